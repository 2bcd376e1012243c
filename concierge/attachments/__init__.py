"""Files on tasks: what clients send and assistants deliver (the `Attachment` model).

`storage` keeps them private; `uploads` receives them without holding them in memory;
`content` decides their type from their bytes and cleans images; `scan` asks clamd;
`services` and `selectors` are the writes and reads, scoped like the task they are on.
"""
