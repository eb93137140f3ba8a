"""JSON Schema validation reported as ajv 8 reports it (Node-RED's json node uses ajv).

ajv runs in strict, all-errors mode with draft-07 (or draft-06) schemas and no
formats: :class:`AjvSchema` refuses what ajv would not compile (unknown keywords
and formats, ``if`` without ``then``/``else``, unresolvable ``$ref``, invalid
patterns) and :meth:`AjvSchema.validate` returns ajv's error objects
(``instancePath``, ``schemaPath``, ``keyword``, ``params``, ``message``) in ajv's
order; :func:`errors_text` is ``ajv.errorsText``. ``jsonschema`` checks schemas
against the meta-schema and resolves ``$ref``; ``pattern`` is a JavaScript regex.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from flowengine.errors import JSError
from flowengine.jsvalues import UNDEFINED, js_number_str, js_string

__all__ = ["AjvSchema", "SchemaCompileError", "errors_text", "js_deep_equal"]


class SchemaCompileError(Exception):
    """The schema would not compile in ajv (invalid, unknown keyword or format, bad $ref)."""


_DRAFTS = {
    "http://json-schema.org/draft-07/schema": "draft7",
    "http://json-schema.org/draft-06/schema": "draft6",
}
_ANNOTATIONS = {
    "$schema",
    "$id",
    "$comment",
    "definitions",
    "title",
    "description",
    "default",
    "examples",
    "readOnly",
    "writeOnly",
    "deprecated",
    "contentMediaType",
    "contentEncoding",
    "contentSchema",
    "nullable",
}
# ajv evaluates keywords in groups: untyped first, then one group per data type.
_UNTYPED = ("$ref", "const", "enum", "not", "anyOf", "oneOf", "allOf", "if")
_GROUPS: dict[str, tuple[str, ...]] = {
    "number": ("maximum", "minimum", "exclusiveMaximum", "exclusiveMinimum", "multipleOf"),
    "string": ("maxLength", "minLength", "pattern"),
    "array": ("maxItems", "minItems", "additionalItems", "items", "contains", "uniqueItems"),
    "object": (
        "maxProperties",
        "minProperties",
        "required",
        "propertyNames",
        "additionalProperties",
        "dependencies",
        "properties",
        "patternProperties",
    ),
}
_KNOWN = {*_ANNOTATIONS, *_UNTYPED, "type", "then", "else", "format"} | {
    k for group in _GROUPS.values() for k in group
}
_SCHEMA_VALUED = (
    "additionalItems",
    "additionalProperties",
    "contains",
    "propertyNames",
    "not",
    "if",
    "then",
    "else",
)
_SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "dependencies")
_SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "items")
_COMPARISONS = {"maximum": "<=", "minimum": ">=", "exclusiveMaximum": "<", "exclusiveMinimum": ">"}
_LIMITS = ("maxLength", "minLength", "maxItems", "minItems", "maxProperties", "minProperties")
_MAX_DEPTH = 200


def _pointer_part(key: str | int) -> str:
    return str(key).replace("~", "~0").replace("/", "~1")


def _schema_part(key: str | int) -> str:
    # ajv escapes schema path segments with encodeURIComponent.
    return quote(_pointer_part(key), safe="-_.!~*'()")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_type(value: Any, name: str) -> bool:
    if name == "number":
        return _is_number(value)
    if name == "integer":
        return _is_number(value) and math.isfinite(value) and float(value).is_integer()
    if name == "string":
        return isinstance(value, str)
    if name == "object":
        return isinstance(value, dict)
    if name == "array":
        return isinstance(value, list)
    if name == "boolean":
        return isinstance(value, bool)
    if name == "null":
        return value is None
    return False


def js_deep_equal(a: Any, b: Any) -> bool:
    """Structural equality of JSON values as JavaScript sees them (``true`` is not ``1``)."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if _is_number(a) and _is_number(b):
        return a == b
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(js_deep_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(js_deep_equal(a[k], b[k]) for k in a)
    return type(a) is type(b) and a == b


def _error(
    ipath: str, spath: str, keyword: str, params: dict[str, Any], message: str
) -> dict[str, Any]:
    return {
        "instancePath": ipath,
        "schemaPath": spath,
        "keyword": keyword,
        "params": params,
        "message": message,
    }


class AjvSchema:
    """A schema compiled as ajv 8 compiles it; :meth:`validate` reports ajv's errors.

    ``jsonschema`` checks the schema against its draft's meta-schema and resolves
    ``$ref``; the validation itself follows ajv's keyword semantics and order, with
    ``pattern`` evaluated as a JavaScript regex, so validity and errors match ajv's.
    """

    def __init__(self, schema: Any) -> None:
        from jsonschema import Draft6Validator, Draft7Validator
        from referencing import Registry
        from referencing.jsonschema import DRAFT6, DRAFT7

        if not isinstance(schema, dict | bool):
            raise SchemaCompileError("schema must be an object or a boolean")
        draft = "draft7"
        if isinstance(schema, dict) and "$schema" in schema:
            uri = schema["$schema"]
            draft = _DRAFTS.get(uri.rstrip("#") if isinstance(uri, str) else "", "")
            if not draft:
                raise SchemaCompileError(f'no schema with key or ref "{uri}"')
        validator_class = Draft6Validator if draft == "draft6" else Draft7Validator
        # Without a format checker: ajv checks "pattern" values as JavaScript regexes.
        problem = next(validator_class(validator_class.META_SCHEMA).iter_errors(schema), None)
        if problem is not None:
            raise SchemaCompileError(f"schema is invalid: {problem.message}")
        self._spec = DRAFT6 if draft == "draft6" else DRAFT7
        resource = self._spec.create_resource(schema)
        self._resolver = Registry().with_resource("", resource).resolver()
        self.schema = schema
        self._check_strict(schema, self._resolver, "#")

    # ---- compile-time strictness (ajv's strict mode) ------------------------------
    def _check_strict(self, schema: Any, resolver: Any, where: str) -> None:
        if not isinstance(schema, dict):
            return
        if "$id" in schema and isinstance(schema["$id"], str) and where != "#":
            resolver = resolver.in_subresource(self._spec.create_resource(schema))
        for key in schema:
            if key not in _KNOWN:
                raise SchemaCompileError(f'strict mode: unknown keyword: "{key}"')
        if "format" in schema:
            # ajv 8 ships without formats, so every format is unknown to it.
            raise SchemaCompileError(f'unknown format "{schema["format"]}" ignored in schema')
        if "if" in schema and "then" not in schema and "else" not in schema:
            raise SchemaCompileError('strict mode: "if" without "then" and "else" is ignored')
        for branch in ("then", "else"):
            if branch in schema and "if" not in schema:
                raise SchemaCompileError(f'strict mode: "{branch}" without "if" is ignored')
        if "$ref" in schema:
            try:
                resolver.lookup(schema["$ref"])
            except Exception:
                raise SchemaCompileError(f"can't resolve reference {schema['$ref']}") from None
        for source in [schema.get("pattern"), *(schema.get("patternProperties") or {})]:
            if isinstance(source, str):
                _js_pattern(source)
        for _keyword, sub, path in _subschemas(schema, where):
            self._check_strict(sub, resolver, path)

    # ---- validation ----------------------------------------------------------------
    def validate(self, data: Any) -> list[dict[str, Any]] | None:
        """None when ``data`` is valid, else ajv-style error objects (in ajv's order)."""
        errors: list[dict[str, Any]] = []
        try:
            self._walk(self.schema, data, "", "#", self._resolver, errors, 0)
        except RecursionError:
            raise JSError("Maximum call stack size exceeded", "RangeError") from None
        return errors or None

    def _walk(
        self,
        schema: Any,
        data: Any,
        ipath: str,
        spath: str,
        resolver: Any,
        errors: list[dict[str, Any]],
        depth: int,
    ) -> None:
        """Append the errors ajv reports for ``data`` against ``schema``, in ajv's order."""
        if depth > _MAX_DEPTH:
            raise RecursionError
        if schema is True:
            return
        if schema is False or not isinstance(schema, dict):
            errors.append(
                _error(
                    ipath, spath + "/false schema", "false schema", {}, "boolean schema is false"
                )
            )
            return
        if "$id" in schema and isinstance(schema["$id"], str) and depth:
            resolver = resolver.in_subresource(self._spec.create_resource(schema))

        def sub(
            sch: Any, value: Any, at: str, path: str, into: list[dict[str, Any]] | None = None
        ) -> bool:
            target = errors if into is None else into
            before = len(target)
            self._walk(sch, value, at, path, resolver, target, depth + 1)
            return len(target) == before

        types = schema.get("type")
        type_list = [types] if isinstance(types, str) else list(types or [])
        type_ok = not type_list or any(_is_type(data, t) for t in type_list)
        used = {g for g, kws in _GROUPS.items() if any(k in schema for k in kws)}
        # A single type with keywords of its own group is reported at that group.
        deferred = len(type_list) == 1 and type_list[0] in used
        type_error = _error(
            ipath, spath + "/type", "type", {"type": types}, f"must be {','.join(type_list)}"
        )
        if not type_ok and not deferred:
            errors.append(type_error)

        if "$ref" in schema:
            ref = schema["$ref"]
            resolved = resolver.lookup(ref)
            target = ref if ref.startswith("#") else "#" + (ref.partition("#")[2] or "")
            self._walk(resolved.contents, data, ipath, target, resolved.resolver, errors, depth + 1)
        if "const" in schema and not js_deep_equal(data, schema["const"]):
            errors.append(
                _error(
                    ipath,
                    spath + "/const",
                    "const",
                    {"allowedValue": schema["const"]},
                    "must be equal to constant",
                )
            )
        if "enum" in schema and not any(js_deep_equal(data, v) for v in schema["enum"]):
            errors.append(
                _error(
                    ipath,
                    spath + "/enum",
                    "enum",
                    {"allowedValues": schema["enum"]},
                    "must be equal to one of the allowed values",
                )
            )
        if "not" in schema and sub(schema["not"], data, ipath, spath + "/not", []):
            errors.append(_error(ipath, spath + "/not", "not", {}, "must NOT be valid"))
        if "anyOf" in schema:
            mark = len(errors)
            branches = schema["anyOf"]
            if any(sub(s, data, ipath, f"{spath}/anyOf/{i}") for i, s in enumerate(branches)):
                del errors[mark:]
            else:
                errors.append(
                    _error(ipath, spath + "/anyOf", "anyOf", {}, "must match a schema in anyOf")
                )
        if "oneOf" in schema:
            self._keyword("oneOf", schema, data, ipath, spath, errors, sub)
        for i, branch in enumerate(schema.get("allOf", ())):
            sub(branch, data, ipath, f"{spath}/allOf/{i}")
        if "if" in schema and ("then" in schema or "else" in schema):
            branch = "then" if sub(schema["if"], data, ipath, spath + "/if", []) else "else"
            if branch in schema and not sub(schema[branch], data, ipath, f"{spath}/{branch}"):
                errors.append(
                    _error(
                        ipath,
                        spath + "/if",
                        "if",
                        {"failingKeyword": branch},
                        f'must match "{branch}" schema',
                    )
                )

        for group in ("number", "string", "array", "object"):
            if group not in used:
                continue
            if _is_type(data, group):
                for keyword in _GROUPS[group]:
                    if keyword in schema:
                        self._keyword(keyword, schema, data, ipath, spath, errors, sub)
            elif deferred and type_list[0] == group and not type_ok:
                errors.append(type_error)

    def _keyword(
        self,
        keyword: str,
        schema: dict[str, Any],
        data: Any,
        ipath: str,
        spath: str,
        errors: list[dict[str, Any]],
        sub: Any,
    ) -> None:
        value = schema[keyword]
        at = f"{spath}/{keyword}"

        def add(params: dict[str, Any], message: str) -> None:
            errors.append(_error(ipath, at, keyword, params, message))

        if keyword == "oneOf":
            mark = len(errors)
            valid = False
            passing: Any = None
            for i, branch in enumerate(value):
                ok = sub(branch, data, ipath, f"{at}/{i}")
                if i > 0 and ok and valid:
                    valid = False
                    passing = [passing, i]
                    break  # ajv evaluates no further branches once two have passed
                if ok:
                    valid = True
                    passing = i
            if valid:
                del errors[mark:]
            else:
                add({"passingSchemas": passing}, "must match exactly one schema in oneOf")
        elif keyword in _COMPARISONS:
            op = _COMPARISONS[keyword]
            ok = {
                "<=": data <= value,
                ">=": data >= value,
                "<": data < value,
                ">": data > value,
            }[op]
            if not ok:
                add({"comparison": op, "limit": value}, f"must be {op} {js_number_str(value)}")
        elif keyword == "multipleOf":
            quotient = data / value if value else math.nan
            if not math.isfinite(quotient) or quotient != math.trunc(quotient):
                add({"multipleOf": value}, f"must be multiple of {js_number_str(value)}")
        elif keyword in ("maxLength", "minLength", "maxItems", "minItems") or keyword in (
            "maxProperties",
            "minProperties",
        ):
            self._limit(keyword, value, len(data), add)
        elif keyword == "pattern":
            if not _js_pattern(value).search(data):
                add({"pattern": value}, f'must match pattern "{value}"')
        elif keyword == "required":
            for name in value:
                if data.get(name, UNDEFINED) is UNDEFINED:
                    add({"missingProperty": name}, f"must have required property '{name}'")
        elif keyword == "uniqueItems":
            if value:
                self._unique(schema, data, add)
        elif keyword == "additionalItems":
            items = schema.get("items")
            if isinstance(items, list) and len(data) > len(items):
                if value is False:
                    add({"limit": len(items)}, f"must NOT have more than {len(items)} items")
                else:
                    for i in range(len(items), len(data)):
                        sub(value, data[i], f"{ipath}/{i}", at)
        elif keyword == "items":
            if isinstance(value, list):
                for i, item_schema in enumerate(value[: len(data)]):
                    sub(item_schema, data[i], f"{ipath}/{i}", f"{at}/{i}")
            else:
                for i, item in enumerate(data):
                    sub(value, item, f"{ipath}/{i}", at)
        elif keyword == "contains":
            found: list[dict[str, Any]] = []
            if not any(sub(value, item, f"{ipath}/{i}", at, found) for i, item in enumerate(data)):
                errors.extend(found)
                add({"minContains": 1}, "must contain at least 1 valid item(s)")
        elif keyword == "propertyNames":
            for name in data:
                bad: list[dict[str, Any]] = []
                if not sub(value, name, ipath, at, bad):
                    errors.extend({**e, "propertyName": name} for e in bad)
                    add({"propertyName": name}, "property name must be valid")
        elif keyword == "additionalProperties":
            known = schema.get("properties") or {}
            patterns = [_js_pattern(p) for p in schema.get("patternProperties") or {}]
            for name in data:
                if name in known or any(p.search(name) for p in patterns):
                    continue
                if value is False:
                    add({"additionalProperty": name}, "must NOT have additional properties")
                else:
                    sub(value, data[name], f"{ipath}/{_pointer_part(name)}", at)
        elif keyword == "dependencies":
            for name, dependency in value.items():
                if name not in data:
                    continue
                if isinstance(dependency, list):
                    deps = ", ".join(dependency)
                    noun = "property" if len(dependency) == 1 else "properties"
                    for missing in dependency:
                        if missing not in data:
                            add(
                                {
                                    "property": name,
                                    "missingProperty": missing,
                                    "depsCount": len(dependency),
                                    "deps": deps,
                                },
                                f"must have {noun} {deps} when property {name} is present",
                            )
                else:
                    sub(dependency, data, ipath, f"{at}/{_schema_part(name)}")
        elif keyword == "properties":
            for name, prop_schema in value.items():
                if data.get(name, UNDEFINED) is not UNDEFINED:
                    sub(
                        prop_schema,
                        data[name],
                        f"{ipath}/{_pointer_part(name)}",
                        f"{at}/{_schema_part(name)}",
                    )
        elif keyword == "patternProperties":
            for pattern, prop_schema in value.items():
                regex = _js_pattern(pattern)
                for name in data:
                    if regex.search(name):
                        sub(
                            prop_schema,
                            data[name],
                            f"{ipath}/{_pointer_part(name)}",
                            f"{at}/{_schema_part(pattern)}",
                        )

    @staticmethod
    def _limit(keyword: str, limit: Any, size: int, add: Any) -> None:
        noun = {"Length": "characters", "Items": "items", "Properties": "properties"}[keyword[3:]]
        if keyword.startswith("max") and size > limit:
            add({"limit": limit}, f"must NOT have more than {js_number_str(limit)} {noun}")
        elif keyword.startswith("min") and size < limit:
            add({"limit": limit}, f"must NOT have fewer than {js_number_str(limit)} {noun}")

    @staticmethod
    def _unique(schema: dict[str, Any], data: list[Any], add: Any) -> None:
        item_schema = schema.get("items")
        item_types = []
        if isinstance(item_schema, dict):
            t = item_schema.get("type")
            item_types = [t] if isinstance(t, str) else list(t or [])
        pair: tuple[int, int] | None = None
        if item_types and not any(t in ("object", "array") for t in item_types):
            # ajv's fast path for scalar items: scan from the end, remember positions.
            seen: dict[Any, int] = {}
            for i in range(len(data) - 1, -1, -1):
                item = data[i]
                if not any(_is_type(item, t) for t in item_types):
                    continue
                key = ("s", item) if isinstance(item, str) else js_string(item)
                if key in seen:
                    pair = (i, seen[key])
                    break
                seen[key] = i
        else:
            for i in range(len(data) - 1, 0, -1):
                j = next((j for j in range(i - 1, -1, -1) if js_deep_equal(data[i], data[j])), None)
                if j is not None:
                    pair = (i, j)
                    break
        if pair is not None:
            i, j = pair
            add(
                {"i": i, "j": j},
                f"must NOT have duplicate items (items ## {j} and {i} are identical)",
            )


def _subschemas(schema: dict[str, Any], where: str) -> Iterator[tuple[str, Any, str]]:
    for key in _SCHEMA_VALUED:
        if key in schema:
            yield key, schema[key], f"{where}/{key}"
    for key in _SCHEMA_MAPS:
        value = schema.get(key)
        if isinstance(value, dict):
            for name, sub in value.items():
                if isinstance(sub, dict | bool):
                    yield key, sub, f"{where}/{key}/{_schema_part(name)}"
    for key in _SCHEMA_LISTS:
        value = schema.get(key)
        if isinstance(value, list):
            for i, sub in enumerate(value):
                yield key, sub, f"{where}/{key}/{i}"


_pattern_cache: dict[str, re.Pattern[str]] = {}


def _js_pattern(source: str) -> re.Pattern[str]:
    """A JSON Schema ``pattern`` (a JavaScript regex with the ``u`` flag) as a Python regex."""
    pattern = _pattern_cache.get(source)
    if pattern is None:
        from flowengine.typed import js_regex

        if "\\p{" in source or "\\P{" in source:
            # Python's re has no Unicode property escapes; refuse rather than mis-match.
            raise SchemaCompileError(f"unsupported Unicode property escape in pattern {source!r}")
        try:
            pattern = js_regex(source, "u")
        except JSError as e:
            raise SchemaCompileError(e.message) from None
        _pattern_cache[source] = pattern
    return pattern


def errors_text(errors: list[dict[str, Any]]) -> str:
    """``ajv.errorsText(errors)``."""
    return ", ".join(f"data{e['instancePath']} {e['message']}" for e in errors)
