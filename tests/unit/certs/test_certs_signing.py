"""The signing layer: RFC 8785 canonical JSON, Ed25519 proofs, JWKS key sets and offline verification."""

from __future__ import annotations

import copy
import datetime as dt
import json
from typing import Any

import pytest

from yiwang.certs import signing

NOW = dt.datetime(2026, 11, 28, 8, 0, tzinfo=dt.UTC)
PAYLOAD: dict[str, Any] = {
    "id": "DZZZ-510100-2026-00000001",
    "cert_name": "营业执照",
    "holder": {"kind": "enterprise", "id": "91510100MA61R0XX4K", "name": "成都蓉城餐饮有限公司"},
    "data": {"注册资本": "100万元", "经营范围": ["餐饮服务", "食品销售"], "员工人数": 12, "面积": 86.5},
    "valid_from": "2026-11-28",
    "valid_until": None,
}


def _sign(key: signing.Ed25519PrivateKey, **kwargs: Any) -> dict[str, Any]:
    options: dict[str, Any] = {"issuer": "yiwang:510100", "doc_type": "certificate", "created": NOW}
    options.update(kwargs)
    return signing.sign_document(PAYLOAD, key, **options)


def _jwks(*keys: signing.Ed25519PrivateKey, issuer: str = "yiwang:510100") -> dict[str, Any]:
    return signing.jwks_document([(key.public_key(), "active") for key in keys], issuer=issuer)


# --- canonical JSON --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (333333333.33333329, "333333333.3333333"),
        (1e30, "1e+30"),
        (4.50, "4.5"),
        (2e-3, "0.002"),
        (0.000000000000000000000000001, "1e-27"),
        (-0.0, "0"),
        (1e21, "1e+21"),
        (1e20, "100000000000000000000"),
        (1e-7, "1e-7"),
        (1e-6, "0.000001"),
        (123.456e10, "1234560000000"),
        (-1.5e-9, "-1.5e-9"),
        (5e-324, "5e-324"),
        (1.7976931348623157e308, "1.7976931348623157e+308"),
        (9007199254740991, "9007199254740991"),
        (-42, "-42"),
    ],
)
def test_numbers_follow_ecmascript(value: float, expected: str) -> None:
    assert signing.canonicalize(value).decode() == expected


def test_keys_sort_by_utf16_code_units_and_nothing_is_padded() -> None:
    # RFC 8785 §3.2.3's example: UTF-16 order puts U+1F600 (a surrogate pair) before U+FB33.
    value = {
        "\u20ac": "Euro",
        "\r": "CR",
        "\ufb33": "Hebrew",
        "1": "One",
        "\U0001f600": "Smiley",
        "\u0080": "C1",
        "ö": "o",
    }
    text = signing.canonicalize(value).decode()
    assert [json.loads("[" + part.split(":")[0] + "]")[0] for part in text[1:-1].split(",")] == [
        "\r",
        "1",
        "\u0080",
        "ö",
        "\u20ac",
        "\U0001f600",
        "\ufb33",
    ]
    assert " " not in signing.canonicalize({"a": [1, {"b": None}]}).decode()


def test_strings_escape_only_what_rfc8785_requires() -> None:
    assert signing.canonicalize('成都\n"\\\u001f/é\u2028').decode() == '"成都\\n\\"\\\\\\u001f/é\u2028"'


def test_canonical_form_is_stable_through_a_parse() -> None:
    once = signing.canonicalize(PAYLOAD)
    assert signing.canonicalize(json.loads(once)) == once


@pytest.mark.parametrize("value", [float("nan"), float("inf"), 2**53, {1: "x"}, {"a": {1, 2}}, "\ud800"])
def test_values_without_a_canonical_form_are_refused(value: Any) -> None:
    with pytest.raises(signing.CanonicalizationError):
        signing.canonicalize(value)


# --- keys ------------------------------------------------------------------------------------------------------


def test_key_id_is_the_rfc7638_thumbprint() -> None:
    # RFC 8037 appendix A.3.
    public = signing.public_key_from_x("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
    assert signing.key_id(public) == "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k"


def test_public_jwk_has_the_published_members_and_no_private_part() -> None:
    key = signing.generate_private_key()
    jwk = signing.public_jwk(key.public_key())
    assert jwk["kty"] == "OKP"
    assert jwk["crv"] == "Ed25519"
    assert jwk["use"] == "sig"
    assert jwk["alg"] == "EdDSA"
    assert "d" not in jwk


def test_pem_round_trip_and_wrong_keys_are_refused() -> None:
    key = signing.generate_private_key()
    loaded = signing.load_private_key_pem(signing.private_key_to_pem(key))
    assert signing.key_id(loaded.public_key()) == signing.key_id(key.public_key())
    with pytest.raises(ValueError, match="PEM"):
        signing.load_private_key_pem(b"not a key")


def test_key_sets_skip_other_key_types_and_refuse_malformed_sets() -> None:
    key = signing.generate_private_key()
    jwks = _jwks(key)
    jwks["keys"].append({"kty": "RSA", "n": "abc", "e": "AQAB", "kid": "rsa"})
    keys = signing.KeySet.from_jwks(jwks)
    assert list(keys.keys) == [signing.key_id(key.public_key())]
    with pytest.raises(ValueError, match="keys"):
        signing.KeySet.from_jwks({"kty": "OKP"})
    with pytest.raises(ValueError, match="32"):
        signing.KeySet.from_jwks({"keys": [{"kty": "OKP", "crv": "Ed25519", "x": "AAAA"}]})


# --- signing and verifying -------------------------------------------------------------------------------------


def test_a_signed_document_verifies_with_only_the_published_keys() -> None:
    key = signing.generate_private_key()
    document = _sign(key)
    result = signing.verify_document(json.loads(json.dumps(document)), _jwks(key), now=NOW)
    assert result.status == "valid"
    assert result.valid
    assert result.doc_id == PAYLOAD["id"]
    assert result.created == NOW
    assert [check.name for check in result.checks] == ["structure", "key", "signature", "validity"]
    assert document["proof"]["kid"] == signing.key_id(key.public_key())
    assert document["payload"] is not PAYLOAD


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(value, dict):
        return [path for key, item in value.items() for path in _paths(item, (*prefix, key))]
    if isinstance(value, list):
        return [path for index, item in enumerate(value) for path in _paths(item, (*prefix, index))]
    return [prefix]


_SIGNED = _sign(signing.generate_private_key())
# Changing the kid names another (unpublished) key: unknown_key, tested below.
_ALL_PATHS = [path for path in _paths(_SIGNED) if path not in {("proof", "sig"), ("proof", "kid")}]


@pytest.mark.parametrize("path", _ALL_PATHS, ids=lambda path: ".".join(map(str, path)))
def test_editing_any_field_is_detected(path: tuple[Any, ...]) -> None:
    key = signing.generate_private_key()
    document = _sign(key)
    target = document
    for part in path[:-1]:
        target = target[part]
    original = target[path[-1]]
    target[path[-1]] = (
        "2099-01-01T00:00:00Z"
        if isinstance(original, str) and original.endswith("Z")
        else (f"{original}改" if isinstance(original, str) else 1 if original is None else original + 1)
    )
    assert signing.verify_document(document, _jwks(key), now=NOW).status == "tampered"


def test_added_or_removed_fields_and_a_broken_signature_are_detected() -> None:
    key = signing.generate_private_key()
    added = _sign(key)
    added["payload"]["data"]["备注"] = "伪造"
    removed = _sign(key)
    del removed["payload"]["valid_until"]
    broken = _sign(key)
    broken["proof"]["sig"] = broken["proof"]["sig"][:-4] + "AAAA"
    garbage = _sign(key)
    garbage["proof"]["sig"] = "!!!"
    for document in (added, removed, broken, garbage):
        assert signing.verify_document(document, _jwks(key), now=NOW).status == "tampered"


@pytest.mark.parametrize(
    "document",
    [None, "text", [], {}, {"payload": {}}, {"payload": [], "proof": {}}, {"payload": {}, "proof": {"alg": "none"}}],
)
def test_malformed_documents_are_tampered_not_errors(document: Any) -> None:
    result = signing.verify_document(document, _jwks(signing.generate_private_key()), now=NOW)
    assert result.status == "tampered"
    assert result.message


def test_another_key_or_another_issuer_is_an_unknown_key() -> None:
    ours, theirs = signing.generate_private_key(), signing.generate_private_key()
    assert signing.verify_document(_sign(theirs), _jwks(ours), now=NOW).status == "unknown_key"
    # Our key published under another issuer's name does not vouch for documents claiming to be ours.
    assert signing.verify_document(_sign(ours), _jwks(ours, issuer="yiwang:310100"), now=NOW).status == "unknown_key"
    # Swapping the kid for a published one breaks the signature instead.
    forged = _sign(theirs)
    forged["proof"]["kid"] = signing.key_id(ours.public_key())
    assert signing.verify_document(forged, _jwks(ours), now=NOW).status == "tampered"


def test_rotation_keeps_old_documents_valid_while_their_key_stays_published() -> None:
    old, new = signing.generate_private_key(), signing.generate_private_key()
    before, after = _sign(old), _sign(new)
    published = signing.jwks_document(
        [(new.public_key(), "active"), (old.public_key(), "retired")], issuer="yiwang:510100"
    )
    assert signing.verify_document(before, published, now=NOW).status == "valid"
    assert signing.verify_document(after, published, now=NOW).status == "valid"
    withdrawn = _jwks(new)
    assert signing.verify_document(before, withdrawn, now=NOW).status == "unknown_key"


def test_expiry_and_signing_in_the_future() -> None:
    key = signing.generate_private_key()
    document = _sign(key, expires=NOW + dt.timedelta(days=1))
    assert signing.verify_document(document, _jwks(key), now=NOW).status == "valid"
    expired = signing.verify_document(document, _jwks(key), now=NOW + dt.timedelta(days=1))
    assert expired.status == "expired"
    assert "有效期" in expired.message
    assert signing.verify_document(_sign(key), _jwks(key), now=NOW - dt.timedelta(hours=1)).status == "tampered"


def test_several_issuers_can_be_trusted_at_once() -> None:
    chengdu, shanghai = signing.generate_private_key(), signing.generate_private_key()
    keys = signing.KeySet.from_jwks(_jwks(chengdu), _jwks(shanghai, issuer="yiwang:310100"))
    assert signing.verify_document(_sign(chengdu), keys, now=NOW).valid
    assert signing.verify_document(_sign(shanghai, issuer="yiwang:310100"), keys, now=NOW).valid


def test_short_hash_changes_with_the_document() -> None:
    key = signing.generate_private_key()
    document = _sign(key)
    changed = copy.deepcopy(document)
    changed["payload"]["id"] = "X"
    assert len(signing.short_hash(document)) == 16
    assert signing.short_hash(document) != signing.short_hash(changed)
