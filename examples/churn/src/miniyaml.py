"""A reader for the small YAML subset that params.yaml uses (the standard library has no YAML).

Supported: nested mappings by indentation (spaces only), `key: scalar`, block lists of
scalars (`- item`), flow lists of scalars (`[a, b]`), full-line and trailing `#` comments,
and scalars: int, float, true/false, null/~, 'single' or "double" quoted strings, plain strings.
Anything else is an error naming the line, so the file never silently means something
different here than it does to DVC.
"""
import re

_INT = re.compile(r"^[-+]?[0-9]+$")
_FLOAT = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+\.[0-9]*)([eE][-+]?[0-9]+)?$|^[-+]?[0-9]+[eE][-+]?[0-9]+$")


_MAPPING_ITEM = re.compile(r"^[^'\"\[][^:]*:( |$)")


class YamlSubsetError(ValueError):
    pass


def _strip_comment(text):
    quote = None
    for i, ch in enumerate(text):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1] in " \t"):
            return text[:i].rstrip()
    return text.rstrip()


def scalar(text, where):
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if text[:1] in ("'", '"', "{", "&", "*", "!", "|", ">"):
        raise YamlSubsetError("%s: unsupported YAML value %r" % (where, text))
    if text in ("true", "True"):
        return True
    if text in ("false", "False"):
        return False
    if text in ("null", "~", ""):
        return None
    if _INT.match(text):
        return int(text)
    if _FLOAT.match(text):
        return float(text)
    return text


def _value(text, where):
    if text.startswith("["):
        if not text.endswith("]"):
            raise YamlSubsetError("%s: unterminated flow list" % where)
        inner = text[1:-1].strip()
        return [scalar(item, where) for item in inner.split(",")] if inner else []
    return scalar(text, where)


def loads(text, name="<string>"):
    # Each line becomes (indent, content, location); then a recursive descent over the lines.
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        where = "%s:%d" % (name, number)
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise YamlSubsetError("%s: indent with spaces, not tabs" % where)
        content = _strip_comment(raw)
        if content.strip() in ("", "---"):
            continue
        lines.append((len(content) - len(content.lstrip()), content.strip(), where))
    if not lines:
        return {}
    value, end = _block(lines, 0, lines[0][0])
    if end != len(lines):
        raise YamlSubsetError("%s: does not fit the structure above it" % lines[end][2])
    return value


def _is_item(content):
    return content.startswith("- ") or content == "-"


def _block(lines, i, indent):
    if _is_item(lines[i][1]):
        return _sequence(lines, i, indent)
    return _mapping(lines, i, indent)


def _sequence(lines, i, indent):
    items = []
    while i < len(lines) and lines[i][0] == indent and _is_item(lines[i][1]):
        _, content, where = lines[i]
        item = content[1:].strip()
        if _MAPPING_ITEM.match(item):
            raise YamlSubsetError("%s: lists of mappings are not supported" % where)
        items.append(_value(item, where))
        i += 1
    return items, i


def _mapping(lines, i, indent):
    result = {}
    while i < len(lines) and lines[i][0] == indent:
        _, content, where = lines[i]
        key, sep, rest = content.partition(":")
        if not sep or (rest and not rest.startswith(" ")):
            raise YamlSubsetError("%s: expected 'key: value'" % where)
        key = scalar(key, where)
        if key in result:
            raise YamlSubsetError("%s: duplicate key %r" % (where, key))
        rest = rest.strip()
        i += 1
        if rest:
            result[key] = _value(rest, where)
        elif i < len(lines) and lines[i][0] > indent:
            result[key], i = _block(lines, i, lines[i][0])
        elif i < len(lines) and lines[i][0] == indent and _is_item(lines[i][1]):
            result[key], i = _sequence(lines, i, indent)  # YAML allows "key:\n- item" unindented
        else:
            result[key] = None
    if i < len(lines) and lines[i][0] > indent:
        raise YamlSubsetError("%s: unexpected indentation" % lines[i][2])
    return result, i


def load(path):
    with open(path, encoding="utf-8") as f:
        return loads(f.read(), path)
