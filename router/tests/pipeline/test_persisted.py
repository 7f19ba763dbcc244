"""APQ, manifest ids and the safelist (real manifest files in a temporary directory)."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path
from typing import Any

import pytest
from trellis_router.configuration.persisted_queries import (
    ApqSettings,
    PersistedQueriesSettings,
    SafelistSettings,
)
from trellis_router.pipeline import RequestError
from trellis_router.pipeline.persisted import (
    CANNOT_SEND_PQ_ID_AND_BODY,
    PERSISTED_QUERY_HASH_MISMATCH,
    PERSISTED_QUERY_ID_REQUIRED,
    PERSISTED_QUERY_NOT_FOUND,
    PERSISTED_QUERY_NOT_IN_LIST,
    PERSISTED_QUERY_NOT_SUPPORTED,
    QUERY_NOT_IN_SAFELIST,
    PersistedQueries,
    canonical_document,
    load_manifest,
    query_hash,
)

ME = "query Me($full: Boolean!) {\n  me {\n    id\n    ...Names @include(if: $full)\n  }\n}\n" + (
    "fragment Names on User {\n  name\n}"
)
PRODUCTS = "query Products { products { id price } }"


def manifest_json(*operations: dict[str, Any]) -> str:
    return json.dumps(
        {"format": "apollo-persisted-query-manifest", "version": 1, "operations": list(operations)}
    )


def write_manifest(path: Path, *operations: dict[str, Any]) -> Path:
    path.write_text(manifest_json(*operations))
    return path


@pytest.fixture
def manifest(tmp_path: Path) -> Path:
    return write_manifest(
        tmp_path / "persisted-query-manifest.json",
        {"id": "me-id", "name": "Me", "type": "query", "body": ME},
        {"id": query_hash(PRODUCTS), "name": "Products", "type": "query", "body": PRODUCTS},
    )


def persisted(
    manifest: Path | None = None,
    *,
    apq: bool = True,
    safelist: bool = False,
    require_id: bool = False,
    log_unknown: bool = False,
) -> PersistedQueries:
    settings = PersistedQueriesSettings(
        enabled=manifest is not None,
        manifest_path=manifest,
        log_unknown=log_unknown,
        safelist=SafelistSettings(enabled=safelist, require_id=require_id),
    )
    return PersistedQueries(ApqSettings(enabled=apq, cache_size=2), settings)


def hashed(value: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": value}}


def refused(pq: PersistedQueries, query: str | None, extensions: Any) -> RequestError:
    with pytest.raises(RequestError) as caught:
        pq.resolve(query, extensions)
    return caught.value


# --- APQ --------------------------------------------------------------------------------------


def test_apq_registers_a_query_and_serves_it_by_hash():
    pq = persisted()
    query = "{ me { id } }"
    error = refused(pq, None, hashed(query_hash(query)))
    assert (error.code, error.status) == (PERSISTED_QUERY_NOT_FOUND, 200)
    assert error.errors[0]["message"] == "PersistedQueryNotFound"
    assert pq.resolve(query, hashed(query_hash(query))) == query
    assert pq.resolve(None, hashed(query_hash(query))) == query
    assert pq.resolve(None, hashed(query_hash(query).upper())) == query


def test_apq_hash_mismatch_is_refused_and_not_remembered():
    pq = persisted()
    wrong = query_hash("{ other }")
    error = refused(pq, "{ me { id } }", hashed(wrong))
    assert (error.code, error.status) == (PERSISTED_QUERY_HASH_MISMATCH, 400)
    assert error.errors[0]["message"] == "provided sha does not match query"
    assert refused(pq, None, hashed(wrong)).code == PERSISTED_QUERY_NOT_FOUND


def test_apq_cache_is_bounded():
    pq = persisted()  # cache_size=2
    queries = ["{ a }", "{ b }", "{ c }"]
    for query in queries:
        pq.resolve(query, hashed(query_hash(query)))
    assert refused(pq, None, hashed(query_hash("{ a }"))).code == PERSISTED_QUERY_NOT_FOUND
    assert pq.resolve(None, hashed(query_hash("{ c }"))) == "{ c }"


def test_apq_disabled_answers_not_supported():
    error = refused(persisted(apq=False), "{ a }", hashed(query_hash("{ a }")))
    assert (error.code, error.status) == (PERSISTED_QUERY_NOT_SUPPORTED, 200)


def test_texts_too_long_are_not_remembered():
    settings = PersistedQueriesSettings()
    pq = PersistedQueries(ApqSettings(), settings, max_document_bytes=5)
    query = "{ long_field }"
    assert pq.resolve(query, hashed(query_hash(query))) == query
    assert refused(pq, None, hashed(query_hash(query))).code == PERSISTED_QUERY_NOT_FOUND


@pytest.mark.parametrize(
    "extensions",
    [
        {"persistedQuery": "abc"},
        {"persistedQuery": {"version": 2, "sha256Hash": "abc"}},
        {"persistedQuery": {"version": True, "sha256Hash": "abc"}},
        {"persistedQuery": {"version": 1}},
        {"persistedQuery": {"version": 1, "sha256Hash": ""}},
    ],
)
def test_malformed_persisted_query_extensions_are_bad_requests(extensions):
    error = refused(persisted(), "{ a }", extensions)
    assert (error.code, error.status) == ("BAD_REQUEST", 400)


def test_a_request_without_query_or_hash_is_a_bad_request():
    assert refused(persisted(), None, None).code == "BAD_REQUEST"
    assert refused(persisted(), "", {"other": 1}).code == "BAD_REQUEST"


def test_plain_queries_pass_through():
    assert persisted().resolve("{ a }", None) == "{ a }"


# --- manifest ids -----------------------------------------------------------------------------


def test_a_manifest_id_resolves_to_its_body(manifest):
    pq = persisted(manifest, apq=False, safelist=True, require_id=True)
    assert pq.resolve(None, hashed("me-id")) == ME
    assert pq.resolve(None, hashed(query_hash(PRODUCTS))) == PRODUCTS


def test_an_unknown_id_without_apq_is_not_in_the_list(manifest):
    error = refused(persisted(manifest, apq=False), None, hashed("nope"))
    assert (error.code, error.status) == (PERSISTED_QUERY_NOT_IN_LIST, 404)
    assert (
        error.errors[0]["message"] == "Persisted query 'nope' not found in the persisted query list"
    )


def test_an_unknown_id_with_apq_falls_back_to_apq(manifest):
    error = refused(persisted(manifest), None, hashed(query_hash("{ x }")))
    assert error.code == PERSISTED_QUERY_NOT_FOUND


def test_an_id_and_a_body_together_without_apq_are_refused(manifest):
    error = refused(persisted(manifest, apq=False), PRODUCTS, hashed(query_hash(PRODUCTS)))
    assert (error.code, error.status) == (CANNOT_SEND_PQ_ID_AND_BODY, 400)


# --- safelist ---------------------------------------------------------------------------------


def test_a_whitespace_comma_and_comment_variant_of_a_safelisted_query_is_accepted(manifest):
    pq = persisted(manifest, safelist=True)
    variant = (
        "# the web app's names fragment\nfragment Names on User { name }, \n"
        "query   Me( $full : Boolean! ) { me { id, ...Names @include(if: $full) } }"
    )
    assert pq.resolve(variant, None) == variant
    assert pq.resolve(PRODUCTS, None) == PRODUCTS  # exact text


@pytest.mark.parametrize(
    "query",
    [
        "query Products { products { id price name } }",  # one more field
        "query Products { products { id } }",  # one field fewer
        "query Other { products { id price } }",  # renamed operation
        "{ products { id price } }",  # anonymous
        "query Me($full: Boolean!) { me { id ...Names @include(if: $full) } }",  # no fragment
        "query Products { products { id price } ",  # syntax error
    ],
)
def test_a_different_operation_is_refused(manifest, query):
    error = refused(persisted(manifest, safelist=True), query, None)
    assert (error.code, error.status) == (QUERY_NOT_IN_SAFELIST, 403)


def test_an_apq_registration_of_a_query_not_in_the_safelist_is_refused_and_not_kept(manifest):
    pq = persisted(manifest, safelist=True)
    query = "{ me { id email } }"
    error = refused(pq, query, hashed(query_hash(query)))
    assert error.code == QUERY_NOT_IN_SAFELIST
    assert refused(pq, None, hashed(query_hash(query))).code == PERSISTED_QUERY_NOT_FOUND


def test_a_remembered_apq_text_is_checked_again_against_the_current_safelist(manifest):
    pq = persisted(manifest, safelist=True)
    safe_variant = "query Products { products { id, price } }"
    assert pq.resolve(safe_variant, hashed(query_hash(safe_variant))) == safe_variant
    assert pq.resolve(None, hashed(query_hash(safe_variant))) == safe_variant
    write_manifest(manifest, {"id": "me-id", "body": ME})
    os.utime(manifest, ns=(1, 1))
    assert pq.reload_if_changed()
    error = refused(pq, None, hashed(query_hash(safe_variant)))
    assert error.code == QUERY_NOT_IN_SAFELIST


def test_require_id_refuses_any_text(manifest):
    pq = persisted(manifest, safelist=True, require_id=True)
    for extensions in [None, hashed(query_hash(PRODUCTS))]:  # as text, as an APQ registration
        error = refused(pq, PRODUCTS, extensions)
        assert (error.code, error.status) == (PERSISTED_QUERY_ID_REQUIRED, 400)


def test_log_unknown_logs_without_refusing(manifest, caplog):
    pq = persisted(manifest, log_unknown=True)
    with caplog.at_level(logging.WARNING, logger="trellis_router.pipeline.persisted"):
        assert pq.resolve("{ me { email } }", None) == "{ me { email } }"
        pq.resolve(PRODUCTS, None)
    unknown = [r for r in caplog.records if r.getMessage() == "unknown operation"]
    assert [r.__dict__["operation_body"] for r in unknown] == ["{ me { email } }"]


def test_canonical_forms_ignore_definition_order_and_formatting():
    first = "query A { a } query B { b } fragment Y on T { y } fragment X on T { x }"
    second = "fragment X on T { x },  query B { b }\n# c\nfragment Y on T { y } query A { a }"
    assert canonical_document(first) == canonical_document(second)
    assert canonical_document("{ a b }") != canonical_document("{ b a }")


# --- manifest files ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("{not json", "not JSON"),
        ("[]", "JSON object"),
        (json.dumps({"format": "other", "version": 1, "operations": []}), "'format'"),
        (json.dumps({"format": "apollo-persisted-query-manifest", "version": 2}), "'version'"),
        (json.dumps({"format": "apollo-persisted-query-manifest", "version": 1}), "'operations'"),
        (manifest_json({"id": "a"}), "'body'"),
        (manifest_json({"body": "{ a }"}), "'id'"),
        (manifest_json({"id": "a", "body": "{ a"}), "does not parse"),
        (manifest_json({"id": "a", "body": "{ a }", "type": "query!"}), "'type'"),
        (manifest_json({"id": "a", "body": "{ a }"}, {"id": "a", "body": "{ b }"}), "two"),
    ],
)
def test_a_corrupt_manifest_file_is_a_clear_error(tmp_path, content, complaint):
    path = tmp_path / "manifest.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=complaint) as caught:
        load_manifest(path)
    assert str(caught.value).startswith(str(path))
    with pytest.raises(ValueError):
        persisted(path)


def test_a_missing_manifest_file_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="cannot read"):
        persisted(tmp_path / "absent.json")


def test_a_manifest_with_client_names_loads(tmp_path):
    path = write_manifest(
        tmp_path / "m.json", {"id": "a", "body": "{ a }", "name": None, "clientName": "web"}
    )
    assert load_manifest(path).bodies == {"a": "{ a }"}


def test_reload_picks_up_a_changed_manifest_and_keeps_the_old_one_on_errors(manifest):
    pq = persisted(manifest, apq=False, safelist=True)
    assert not pq.reload_if_changed()
    write_manifest(manifest, {"id": "new-id", "body": "{ fresh }"})
    os.utime(manifest, ns=(10**18, 10**18))
    assert pq.reload_if_changed()
    assert pq.resolve(None, hashed("new-id")) == "{ fresh }"
    assert refused(pq, None, hashed("me-id")).code == PERSISTED_QUERY_NOT_IN_LIST
    manifest.write_text("{broken")
    os.utime(manifest, ns=(2 * 10**18, 2 * 10**18))
    with pytest.raises(ValueError, match="not JSON"):
        pq.reload_if_changed()
    assert not pq.reload_if_changed()  # the same bad version is reported once
    assert pq.resolve(None, hashed("new-id")) == "{ fresh }"


def test_reload_without_persisted_queries_does_nothing():
    assert not persisted().reload_if_changed()
