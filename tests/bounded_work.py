"""Computations for the bounded-work tests. `concierge.platform.bounded` runs a function in a new
interpreter, by its module's name, without Django: so they live here, in a module that
imports nothing else."""


def forever():
    while True:
        pass


def hog():
    return len(bytearray(512 * 1024 * 1024))


def divide(a, b):
    return a / b


def unpicklable():
    return lambda: None
