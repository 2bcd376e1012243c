"""Every refusal is a sentence of the catalogue, so it reaches the reader in their language
(the API's `Accept-Language`, the portal's reader). Checked by reading every module's
source with `ast`: wherever an application error is raised or built, its `detail` — and
each sentence of its `fields` — must be a `gettext` call (`_("…") % {…}` included).

The rule, kept simple:
- a gettext call, or such a call `% {…}`, or a conditional between two of them;
- a local name every assignment of which in the function is one of those;
- a call of a function of the same module every `return` of which is one of those;
- a helper's parameter (`def not_allowed(detail): raise ApplicationError(code, detail)`):
  then every call of that helper, anywhere, must pass a translated sentence there;
- the text of an exception caught by name (`except FetchError as exc: … str(exc)`) when
  that exception type is one of RELAYED below, whose own constructions are checked by the
  same rule. Django's and DRF's `ValidationError` are among them: serializers' and
  validators' messages are refusals too.
The few functions that pass on sentences written elsewhere are listed in RELAYS, each
with its reason. Answers written by hand (`{"code": …, "detail": …}`, `error_body`) and
DRF errors' details (`default_detail`, `AuthenticationFailed(…)`) are held to the rule too.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APPS = ("concierge", "assistants", "billing", "calendar_sync")
ERRORS = {"ApplicationError", "Invalid", "Forbidden", "NotFound", "Conflict", "PaymentRequired"}
GETTEXT = {"_", "gettext", "gettext_lazy", "ngettext", "ngettext_lazy", "pgettext", "pgettext_lazy"}
# DRF's own errors, raised by the API's plumbing with a detail of its own.
DRF_ERRORS = {"AuthenticationFailed", "NotAuthenticated", "Throttled"}
# Exceptions whose text becomes a refusal's sentence where they are caught, with the
# position of their message, which is checked where they are raised.
RELAYED = {
    "ValidationError": 0,  # Django's and DRF's: validators' and serializers' messages
    "InvalidRecurrence": 0,
    "FetchError": 0,
    "CalDavProblem": 1,
    "BadWeek": 0,
    "BadPeriod": 0,
    "BadRange": 0,
    "RangeTooLong": 0,
}
# Functions that relay sentences written elsewhere, and why that is sound.
RELAYS = {
    ("concierge/api/errors.py", "exception_handler"): (
        "renders a Django ValidationError's messages, checked where they are raised"
    ),
    ("assistants/api/workload_views.py", "_query"): (
        "the first of a query serializer's `errors`: its fields' messages (DRF's own, "
        "translated by DRF, or ours, checked where raised)"
    ),
    ("billing/api/report_views.py", "parse"): (
        "the first of a query serializer's `errors`, as `_query` in workload_views"
    ),
    ("concierge/policies.py", "require_move_task"): (
        "the refusal of a move in TASK_MOVES, each sentence written with gettext_lazy"
    ),
}


def _name(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def is_gettext(node):
    if isinstance(node, ast.Call):
        return _name(node.func) in GETTEXT
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return is_gettext(node.left)
    if isinstance(node, ast.IfExp):
        return is_gettext(node.body) and is_gettext(node.orelse)
    return False


class Scope:
    """What a function knows about its names: how each is assigned, which are parameters,
    which hold a caught exception of a RELAYED type."""

    def __init__(self, function, makers=frozenset()):
        self.makers = makers
        self.params = []
        self.assigned = {}
        self.caught = set()
        if function is None:
            return
        self.params = [a.arg for a in (*function.args.args, *function.args.kwonlyargs)]
        for node in ast.walk(function):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.assigned.setdefault(target.id, []).append(node.value)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                if node.value is not None:
                    self.assigned.setdefault(node.target.id, []).append(node.value)
            elif isinstance(node, ast.ExceptHandler) and node.name:
                types = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
                if all(_name(t) in RELAYED for t in types):
                    self.caught.add(node.name)


def _relays_caught(node, scope):
    """`str(exc)`, `exc.messages[0]`, `list(exc.messages)`, `exc.message` of a caught one."""
    while isinstance(node, ast.Call | ast.Subscript | ast.Attribute):
        if isinstance(node, ast.Call):
            if _name(node.func) not in {"str", "list"} or len(node.args) != 1:
                return False
            node = node.args[0]
        elif isinstance(node, ast.Subscript):
            node = node.value
        else:
            if node.attr not in {"messages", "message", "message_dict"}:
                return False
            node = node.value
    return isinstance(node, ast.Name) and node.id in scope.caught


def sentence_makers(tree):
    """The module's functions that return a translated sentence, and nothing else."""
    makers = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef):
            returns = [r.value for r in ast.walk(node) if isinstance(r, ast.Return)]
            if returns and all(value is not None and is_gettext(value) for value in returns):
                makers.add(node.name)
    return makers


def _is_made(node, scope):
    return isinstance(node, ast.Call) and _name(node.func) in scope.makers


def problems_of(node, scope, helpers, where):
    """Why `node`, given as a refusal's sentence, may not be translated ([] when it is)."""
    if is_gettext(node) or _relays_caught(node, scope) or _is_made(node, scope):
        return []
    if isinstance(node, ast.Call) and _name(node.func) == "str" and len(node.args) == 1:
        return problems_of(node.args[0], scope, helpers, where)  # str(lazy sentence)
    if isinstance(node, ast.Name):
        values = scope.assigned.get(node.id, [])
        if values and all(is_gettext(v) or _is_made(v, scope) for v in values):
            return []
        if node.id in scope.params and node.id not in scope.assigned:
            helpers.add((where, scope.params.index(node.id), node.id))
            return []
    return [f"{ast.unparse(node)[:70]}"]


def sentences_of_fields(node):
    """The sentences a `fields={name: [sentence, …]}` literal gives (others unchecked)."""
    if not isinstance(node, ast.Dict):
        return []
    found = []
    for value in node.values:
        if isinstance(value, ast.List | ast.Tuple):
            found += value.elts
        elif isinstance(value, ast.ListComp):
            found.append(value.elt)
        elif value is not None:
            found.append(value)
    return found


def error_types(trees):
    """The error family and every subclass the apps define (`class Unauthorized(…)`)."""
    known = set(ERRORS)
    grew = True
    while grew:
        grew = False
        for tree in trees.values():
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.ClassDef)
                    and node.name not in known
                    and any(_name(base) in known for base in node.bases)
                ):
                    known.add(node.name)
                    grew = True
    return known


def _nodes_in_functions(tree, kinds):
    """(node, enclosing function or None) for every node of `kinds` in the module."""
    found = []

    def visit(node, function):
        for child in ast.iter_child_nodes(node):
            inner = child if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef) else function
            if isinstance(child, kinds):
                found.append((child, function))
            visit(child, inner)

    visit(tree, None)
    return found


def _functions_and_calls(tree):
    """(call, enclosing function or None) for every call in the module."""
    return _nodes_in_functions(tree, ast.Call)


def untranslated_refusals(trees):
    """`path:line: sentence` for each refusal sentence that is not a catalogue's."""
    errors = error_types(trees)
    offences, helpers, calls = [], set(), []
    makers = {path: sentence_makers(tree) for path, tree in trees.items()}
    for path, tree in trees.items():
        for call, function in _functions_and_calls(tree):
            calls.append((path, call))
            name = _name(call.func)
            scope = Scope(function, makers[path])
            where = function.name if function is not None else None
            sentences = []
            if name in errors or name == "error_body":
                sentences += call.args[1:2] + [k.value for k in call.keywords if k.arg == "detail"]
            elif name in DRF_ERRORS:
                sentences += call.args[:1] + [k.value for k in call.keywords if k.arg == "detail"]
            elif name in RELAYED:
                at = RELAYED[name]
                message = call.args[at : at + 1]
                message += [k.value for k in call.keywords if k.arg == "message"]
                for value in message:
                    sentences += (
                        sentences_of_fields(value) if isinstance(value, ast.Dict) else [value]
                    )
            if name in errors or name == "error_body":
                for keyword in call.keywords:
                    if keyword.arg == "fields":
                        sentences += sentences_of_fields(keyword.value)
            if (path, where) in RELAYS:
                continue
            for sentence in sentences:
                for why in problems_of(sentence, scope, helpers, where):
                    offences.append(f"{path}:{sentence.lineno}: {why}")
    # An answer written by hand (`{"code": …, "detail": …}`), a DRF error's default detail.
    for path, tree in trees.items():
        for node, function in _nodes_in_functions(tree, ast.Dict | ast.Assign):
            scope = Scope(function, makers[path])
            where = function.name if function is not None else None
            sentences = []
            if isinstance(node, ast.Dict):
                keys = [k.value if isinstance(k, ast.Constant) else None for k in node.keys]
                if "code" in keys and "detail" in keys:
                    detail = node.values[keys.index("detail")]
                    sentences += [] if isinstance(detail, ast.Dict) else [detail]  # a schema
            elif any(getattr(target, "id", None) == "default_detail" for target in node.targets):
                sentences.append(node.value)
            for sentence in sentences:
                for why in problems_of(sentence, scope, helpers, where):
                    offences.append(f"{path}:{sentence.lineno}: {why}")
    # A helper's callers give the sentence it raises.
    checked = set()
    while helpers - checked:
        for helper, position, parameter in sorted(helpers - checked, key=str):
            checked.add((helper, position, parameter))
            for path, call in calls:
                if _name(call.func) != helper:
                    continue
                given = [k.value for k in call.keywords if k.arg == parameter]
                given += call.args[position : position + 1]
                scope = Scope(_enclosing(trees[path], call), makers[path])
                where = getattr(_enclosing(trees[path], call), "name", None)
                if (path, where) in RELAYS:
                    continue
                for sentence in given:
                    for why in problems_of(sentence, scope, helpers, where):
                        offences.append(f"{path}:{sentence.lineno}: {why} (to {helper})")
    return sorted(set(offences))


def _enclosing(tree, target):
    for call, function in _functions_and_calls(tree):
        if call is target:
            return function
    return None


def _parse(sources):
    return {path: ast.parse(text) for path, text in sources.items()}


def test_the_scan_tells_translated_sentences_from_english_ones():
    source = """
from django.utils.translation import gettext as _
def good(task):
    raise Invalid(Code.A, _("Task %(id)s is closed.") % {"id": task.pk}, fields={"due": [_("No.")]})
def also_good(flag):
    message = _("One.") if flag else _("Two.")
    raise Conflict(Code.B, message)
def helper(detail):
    return ApplicationError(Code.C, detail, status=415)
def caught(rule):
    try:
        parse(rule)
    except InvalidRecurrence as exc:
        raise Invalid(Code.D, str(exc), fields={"recurrence": [str(exc)]}) from exc
class Refused(Forbidden):
    pass
def bad(task):
    raise NotFound(Code.E, f"No task {task.pk}.")
def bad_fields():
    raise Invalid(Code.F, _("Wrong."), fields={"started_at": ["Must be after started_at."]})
def bad_caller():
    raise helper("English.")
def bad_subclass():
    raise Refused(Code.G, "No.")
def bad_caught(value):
    try:
        int(value)
    except ValueError as exc:
        raise Invalid(Code.H, str(exc))
def bad_validation():
    raise serializers.ValidationError({"ended_at": "Must be after started_at."})
def bad_relayed():
    raise InvalidRecurrence(f"Unknown rule {1}.")
class Expired(AuthenticationFailed):
    default_detail = "Expired."
def answer():
    return JsonResponse({"code": Code.K, "detail": "Malformed."}), error_body(Code.L, "Big.")
def _overlap(entry):
    if entry.running:
        return _("Overlaps the timer.")
    return _("Overlaps %(title)s.") % {"title": entry.title}
def _english(entry):
    return f"Overlaps {entry.title}."
def made(entry):
    raise Conflict(Code.I, _overlap(entry))
def made_badly(entry):
    raise Conflict(Code.J, _english(entry))
"""
    offences = untranslated_refusals(_parse({"m.py": source}))
    assert offences == sorted(
        [
            "m.py:18: f'No task {task.pk}.'",
            "m.py:20: 'Must be after started_at.'",
            "m.py:22: 'English.' (to helper)",
            "m.py:24: 'No.'",
            "m.py:29: exc",
            "m.py:31: 'Must be after started_at.'",
            "m.py:33: f'Unknown rule {1}.'",
            "m.py:35: 'Expired.'",
            "m.py:37: 'Big.'",
            "m.py:37: 'Malformed.'",
            "m.py:47: _english(entry)",
        ]
    )


def test_every_refusal_is_a_sentence_of_the_catalogue():
    sources = {
        str(path.relative_to(ROOT)): path.read_text()
        for app in APPS
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
    }
    offences = untranslated_refusals(_parse(sources))
    assert offences == [], "mark these with gettext (named placeholders, human words)"
