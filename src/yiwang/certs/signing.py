"""Signed JSON documents of any type: canonical JSON, Ed25519 proofs and the published key set (JWKS).

Pure: no database, no clock unless given. A signed document is plain JSON that stays readable::

    {"payload": {...any JSON object...},
     "proof": {"type": "JcsEd25519Signature", "alg": "EdDSA", "kid": "...", "issuer": "...",
               "doc_type": "certificate", "created": "2026-11-28T08:00:00Z", "expires": "...", "sig": "<base64url>"}}

The signature covers the canonical form (RFC 8785 JSON Canonicalization Scheme: keys sorted by UTF-16 code
units, no whitespace, ECMAScript number formatting, UTF-8) of ``{"payload": payload, "proof": proof}`` with
``sig`` left out, so the issuer, key id, document type, creation and expiry times are protected as well as the
content. Keys are published as a JWK Set (``kty: OKP``, ``crv: Ed25519``, ``use: sig``); a key's id is its RFC 7638
thumbprint, so ids from different issuers (another city's instance) never collide. Anyone holding only the
published key set can verify a document offline with :func:`verify_document` (ADR 0014).
"""

from __future__ import annotations

import base64
import binascii
import copy
import datetime as dt
import hashlib
import json
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

ALG = "EdDSA"
PROOF_TYPE = "JcsEd25519Signature"
CLOCK_SKEW = dt.timedelta(minutes=5)
"""How far in the future a ``created`` time may lie before the document is treated as forged."""
MAX_SAFE_INTEGER = 2**53 - 1
"""Integers beyond this cannot be represented exactly by every JSON implementation (IEEE 754 doubles)."""

DocumentStatus = Literal["valid", "tampered", "expired", "unknown_key"]


class CanonicalizationError(ValueError):
    """A value has no canonical JSON form (NaN, infinities, huge integers, non-string keys, other types)."""


# --------------------------------------------------------------------------------------------------------------
# Canonical JSON (RFC 8785)
# --------------------------------------------------------------------------------------------------------------


def canonicalize(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value (dicts, lists, str, int, float, bool, None).

    Examples:
        >>> canonicalize({"b": [1, 2.50, True], "a": "成都"}).decode()
        '{"a":"成都","b":[1,2.5,true]}'
    """
    parts: list[str] = []
    _write(value, parts)
    return "".join(parts).encode("utf-8")


def _write(value: Any, out: list[str]) -> None:  # noqa: C901, PLR0912 - one branch per JSON type
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, int):
        if abs(value) > MAX_SAFE_INTEGER:
            raise CanonicalizationError(f"整数 {value} 超出 JSON 安全整数范围，请改用字符串")
        out.append(str(value))
    elif isinstance(value, float):
        out.append(_number(value))
    elif isinstance(value, Mapping):
        keys = list(value)
        if not all(isinstance(key, str) for key in keys):
            raise CanonicalizationError("JSON 对象的键必须是字符串")
        out.append("{")
        for index, key in enumerate(sorted(keys, key=_utf16_key)):
            if index:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _write(value[key], out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        raise CanonicalizationError(f"类型 {type(value).__name__} 不能用于签名文件")


def _utf16_key(key: str) -> bytes:
    # RFC 8785 §3.2.3 sorts by UTF-16 code units; big-endian UTF-16 bytes compare the same way.
    return key.encode("utf-16-be", "surrogatepass")


def _string(value: str) -> str:
    # json.dumps without ASCII escaping matches RFC 8785 §3.2.2.2: only '"', '\\' and C0 controls are escaped,
    # with the short forms \b \t \n \f \r and lower-case \u00xx for the rest.
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise CanonicalizationError("字符串含有不成对的代理字符") from error
    return json.dumps(value, ensure_ascii=False)


def _number(value: float) -> str:
    """ECMAScript ``Number.prototype.toString`` of a double (RFC 8785 §3.2.2.3)."""
    if not math.isfinite(value):
        raise CanonicalizationError("NaN 和无穷大不能用于签名文件")
    if value == 0:
        return "0"
    sign = "-" if value < 0 else ""
    mantissa, _, exponent_text = repr(abs(value)).partition("e")
    int_part, _, fraction = mantissa.partition(".")
    digits = (int_part + fraction).lstrip("0")
    stripped = digits.rstrip("0")
    exponent = int(exponent_text or 0) - len(fraction) + (len(digits) - len(stripped))
    k = len(stripped)
    n = exponent + k  # value = 0.<stripped> × 10^n
    if k <= n <= 21:  # noqa: PLR2004 - the ECMAScript thresholds
        text = stripped + "0" * (n - k)
    elif 0 < n <= 21:  # noqa: PLR2004
        text = stripped[:n] + "." + stripped[n:]
    elif -6 < n <= 0:  # noqa: PLR2004
        text = "0." + "0" * (-n) + stripped
    else:
        power = n - 1
        exp = f"e{'+' if power >= 0 else '-'}{abs(power)}"
        text = stripped + exp if k == 1 else stripped[0] + "." + stripped[1:] + exp
    return sign + text


def digest(value: Any) -> str:
    """Hex SHA-256 of a JSON value's canonical form (stored beside signed documents to spot changes)."""
    return hashlib.sha256(canonicalize(value)).hexdigest()


def short_hash(document: Mapping[str, Any], length: int = 16) -> str:
    """A short base64url fingerprint of a signed document, printed in its QR code."""
    return b64url_encode(hashlib.sha256(canonicalize(document)).digest())[:length]


# --------------------------------------------------------------------------------------------------------------
# Keys and key sets
# --------------------------------------------------------------------------------------------------------------


def b64url_encode(data: bytes) -> str:
    """Base64url without padding (RFC 7515 §2)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Strict base64url decoding (padding optional); raises ``ValueError`` on anything else."""
    if any(ch not in _B64URL for ch in text.rstrip("=")):
        raise ValueError("不是有效的 base64url 编码")
    try:
        return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
    except (binascii.Error, ValueError) as error:
        raise ValueError("不是有效的 base64url 编码") from error


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def generate_private_key() -> Ed25519PrivateKey:
    """A fresh Ed25519 private key."""
    return Ed25519PrivateKey.generate()


def raw_public_key(public_key: Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of an Ed25519 public key."""
    return public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public_key: Ed25519PublicKey) -> str:
    """RFC 7638 JWK thumbprint (SHA-256, base64url) of the key: a globally unique, verifiable ``kid``."""
    members = {"crv": "Ed25519", "kty": "OKP", "x": b64url_encode(raw_public_key(public_key))}
    return b64url_encode(hashlib.sha256(canonicalize(members)).digest())


def public_jwk(public_key: Ed25519PublicKey, *, status: str = "active") -> dict[str, str]:
    """The public key as a JWK (RFC 8037): ``OKP``/``Ed25519`` with ``kid``, ``use: sig``, ``alg: EdDSA``.

    ``status`` (``active`` signs new documents, ``retired`` only verifies old ones) is an extra member that
    verifiers may ignore.
    """
    return {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": b64url_encode(raw_public_key(public_key)),
        "kid": key_id(public_key),
        "use": "sig",
        "alg": ALG,
        "status": status,
    }


def private_key_to_pem(private_key: Ed25519PrivateKey) -> str:
    """PKCS#8 PEM text of a private key (unencrypted: protect where it is stored)."""
    return private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def load_private_key_pem(data: bytes | str) -> Ed25519PrivateKey:
    """Load an unencrypted PKCS#8 PEM Ed25519 private key; anything else raises ``ValueError`` (Chinese)."""
    raw = data.encode("ascii") if isinstance(data, str) else data
    try:
        key = serialization.load_pem_private_key(raw, password=None)
    except (ValueError, TypeError) as error:
        raise ValueError("签名私钥文件无法读取：应为未加密的 PKCS#8 PEM 格式 Ed25519 私钥") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError("签名私钥必须是 Ed25519 密钥")  # noqa: TRY004 - a wrong key is a bad value, not a bad type
    return key


def public_key_from_x(x: str) -> Ed25519PublicKey:
    """The public key of a JWK's ``x`` member."""
    raw = b64url_decode(x)
    if len(raw) != 32:  # noqa: PLR2004 - Ed25519 public keys are 32 bytes
        raise ValueError("Ed25519 公钥长度应为 32 字节")
    return Ed25519PublicKey.from_public_bytes(raw)


@dataclass(frozen=True, slots=True)
class PublishedKey:
    """One verification key of a key set, with the issuer it belongs to when the set names one."""

    kid: str
    public_key: Ed25519PublicKey
    issuer: str | None
    status: str


@dataclass(frozen=True, slots=True)
class KeySet:
    """Verification keys by ``kid``, gathered from one or more JWK Sets (several issuers may be trusted).

    A JWK Set may carry a top-level ``issuer`` member: its keys then verify only documents naming that issuer.
    Keys of other types or curves are skipped, as RFC 7517 asks of unknown keys.
    """

    keys: Mapping[str, PublishedKey] = field(default_factory=dict)

    @classmethod
    def from_jwks(cls, *sets: Mapping[str, Any]) -> KeySet:
        """Build a key set from JWKS documents; raises ``ValueError`` (Chinese) on a malformed set."""
        found: dict[str, PublishedKey] = {}
        for jwks in sets:
            entries = jwks.get("keys")
            if not isinstance(entries, list):
                raise ValueError("公钥集格式不正确：缺少 keys 数组")  # noqa: TRY004 - malformed input, not a bug
            issuer = jwks.get("issuer")
            for entry in entries:
                if not isinstance(entry, Mapping) or entry.get("kty") != "OKP" or entry.get("crv") != "Ed25519":
                    continue
                if entry.get("use", "sig") != "sig":
                    continue
                public_key = public_key_from_x(str(entry.get("x", "")))
                kid = str(entry.get("kid") or key_id(public_key))
                # A key may name its own issuer ("iss"): keys kept after the instance's issuer id changed.
                own = entry.get("iss") or issuer
                found[kid] = PublishedKey(
                    kid=kid,
                    public_key=public_key,
                    issuer=str(own) if isinstance(own, str) and own else None,
                    status=str(entry.get("status", "active")),
                )
        return cls(keys=found)

    def get(self, kid: str) -> PublishedKey | None:
        """The key with this id, if published."""
        return self.keys.get(kid)

    def merged(self, other: KeySet) -> KeySet:
        """Both sets' keys (this set's win on a clash)."""
        return KeySet(keys={**other.keys, **self.keys})


def jwks_document(keys: Iterable[tuple[Ed25519PublicKey, str]], *, issuer: str) -> dict[str, Any]:
    """A JWK Set publishing ``(public_key, status)`` pairs for ``issuer``."""
    return {"issuer": issuer, "keys": [public_jwk(key, status=status) for key, status in keys]}


# --------------------------------------------------------------------------------------------------------------
# Signing and verifying
# --------------------------------------------------------------------------------------------------------------


def iso_utc(moment: dt.datetime) -> str:
    """``2026-11-28T08:00:00Z``: UTC, whole seconds (what proofs carry)."""
    if moment.tzinfo is None:
        raise ValueError("时间必须带时区")
    return moment.astimezone(dt.UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_iso(text: Any) -> dt.datetime | None:
    """Parse an aware ISO-8601 time, or None when it is not one."""
    if not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _signing_input(payload: Mapping[str, Any], proof: Mapping[str, Any]) -> bytes:
    unsigned = {key: value for key, value in proof.items() if key != "sig"}
    return canonicalize({"payload": payload, "proof": unsigned})


def sign_document(
    payload: Mapping[str, Any],
    private_key: Ed25519PrivateKey,
    *,
    issuer: str,
    doc_type: str,
    created: dt.datetime,
    expires: dt.datetime | None = None,
) -> dict[str, Any]:
    """Sign a JSON object; returns ``{"payload": …, "proof": …}`` (the payload is copied, not referenced).

    ``expires`` (optional) is when verifiers start answering ``expired``.
    """
    if not issuer or not doc_type:
        raise ValueError("签名文件必须有签发机构和文件类型")
    body = copy.deepcopy(dict(payload))
    canonicalize(body)  # fail early, with a clear message, on values that cannot be signed
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "alg": ALG,
        "kid": key_id(private_key.public_key()),
        "issuer": issuer,
        "doc_type": doc_type,
        "created": iso_utc(created),
    }
    if expires is not None:
        proof["expires"] = iso_utc(expires)
    proof["sig"] = b64url_encode(private_key.sign(_signing_input(body, proof)))
    return {"payload": body, "proof": proof}


@dataclass(frozen=True, slots=True)
class Check:
    """One verification step."""

    name: str
    passed: bool
    message: str


@dataclass(frozen=True, slots=True)
class DocumentVerification:
    """What the signature and validity period say about a document (revocation needs the issuer's register)."""

    status: DocumentStatus
    message: str
    message_en: str
    payload: Mapping[str, Any] | None = None
    proof: Mapping[str, Any] | None = None
    key: PublishedKey | None = None
    checks: tuple[Check, ...] = ()

    @property
    def valid(self) -> bool:
        """Whether the document is authentic and within its validity period."""
        return self.status == "valid"

    @property
    def doc_id(self) -> str | None:
        """The document's own id (``payload.id``), when it has one."""
        value = self.payload.get("id") if self.payload is not None else None
        return value if isinstance(value, str) else None

    @property
    def created(self) -> dt.datetime | None:
        """When the issuer signed it."""
        return parse_iso(self.proof.get("created")) if self.proof is not None else None

    @property
    def expires(self) -> dt.datetime | None:
        """When it stops being valid (None: no end)."""
        return parse_iso(self.proof.get("expires")) if self.proof is not None else None


def verify_document(  # noqa: PLR0911 - one early answer per failed check
    document: Any,
    jwks: KeySet | Mapping[str, Any],
    *,
    now: dt.datetime | None = None,
) -> DocumentVerification:
    """Verify a signed document with only a published key set: structure, key, signature, validity period.

    Never raises on bad input: a document that is not of the signed shape, or whose content or proof was edited,
    is ``tampered``; one signed by a key the set does not publish (or by another issuer's key) is
    ``unknown_key``; an authentic one past its ``expires`` is ``expired``.
    """
    moment = now or dt.datetime.now(dt.UTC)
    keys = jwks if isinstance(jwks, KeySet) else KeySet.from_jwks(jwks)
    checks: list[Check] = []
    payload = document.get("payload") if isinstance(document, Mapping) else None
    proof = document.get("proof") if isinstance(document, Mapping) else None
    if not isinstance(payload, Mapping) or not isinstance(proof, Mapping) or not _well_formed(proof):
        checks.append(Check("structure", passed=False, message="文件结构不完整或签名信息缺失"))
        return DocumentVerification(
            status="tampered",
            message="文件不是完整的签名文件（内容或签名信息缺失、被改动）",
            message_en="Not a complete signed document (content or proof missing or altered).",
            checks=tuple(checks),
        )
    checks.append(Check("structure", passed=True, message="文件结构完整"))
    key = keys.get(str(proof["kid"]))
    if key is None:
        return _unknown_key(payload, proof, checks, f"签名密钥 {proof['kid']} 不在可信公钥集中")
    try:
        key.public_key.verify(b64url_decode(str(proof["sig"])), _signing_input(payload, proof))
    except (InvalidSignature, ValueError, CanonicalizationError):
        checks.append(Check("key", passed=True, message=f"签名密钥 {key.kid} 由签发机构公布"))
        checks.append(Check("signature", passed=False, message="签名与文件内容不符"))
        return DocumentVerification(
            status="tampered",
            message="文件内容与签名不符，文件已被篡改",
            message_en="The content does not match its signature: the document was altered.",
            key=key,
            checks=tuple(checks),
            payload=payload,
            proof=proof,
        )
    if key.issuer is not None and key.issuer != proof["issuer"]:
        # Authentic, but the key is published for another issuer than the one the document names.
        return _unknown_key(payload, proof, checks, f"签名密钥 {key.kid} 不属于签发机构 {proof['issuer']}")
    checks.append(Check("key", passed=True, message=f"签名密钥 {key.kid} 由签发机构公布"))
    created = parse_iso(proof["created"])
    if created is None or created > moment + CLOCK_SKEW:
        checks.append(Check("signature", passed=False, message="签发时间晚于当前时间"))
        return DocumentVerification(
            status="tampered",
            message="签发时间晚于当前时间，文件不可信",
            message_en="Signed in the future; the document cannot be trusted.",
            key=key,
            checks=tuple(checks),
            payload=payload,
            proof=proof,
        )
    checks.append(Check("signature", passed=True, message="签名有效，内容未被改动"))
    expires = parse_iso(proof.get("expires"))
    if "expires" in proof and expires is None:
        checks.append(Check("validity", passed=False, message="有效期格式不正确"))
        return DocumentVerification(
            status="tampered",
            message="文件的有效期格式不正确",
            message_en="Malformed expiry time.",
            key=key,
            checks=tuple(checks),
            payload=payload,
            proof=proof,
        )
    if expires is not None and moment >= expires:
        checks.append(Check("validity", passed=False, message=f"有效期已于 {iso_utc(expires)} 届满"))
        return DocumentVerification(
            status="expired",
            message="文件签名真实，但已超过有效期",
            message_en="Authentic, but past its validity period.",
            key=key,
            checks=tuple(checks),
            payload=payload,
            proof=proof,
        )
    checks.append(Check("validity", passed=True, message="在有效期内" if expires else "长期有效"))
    return DocumentVerification(
        status="valid",
        message="签名有效，文件未被篡改，在有效期内",
        message_en="Valid: authentic, unaltered and within its validity period.",
        key=key,
        checks=tuple(checks),
        payload=payload,
        proof=proof,
    )


def _unknown_key(
    payload: Mapping[str, Any], proof: Mapping[str, Any], checks: list[Check], reason: str
) -> DocumentVerification:
    checks.append(Check("key", passed=False, message=reason))
    return DocumentVerification(
        status="unknown_key",
        message="签名所用密钥不在签发机构公布的公钥集中，无法确认文件来源",
        message_en="Signed with a key the issuer does not publish; the origin cannot be confirmed.",
        checks=tuple(checks),
        payload=payload,
        proof=proof,
    )


def _well_formed(proof: Mapping[str, Any]) -> bool:
    return (
        proof.get("alg") == ALG
        and isinstance(proof.get("kid"), str)
        and isinstance(proof.get("sig"), str)
        and isinstance(proof.get("issuer"), str)
        and isinstance(proof.get("doc_type"), str)
        and isinstance(proof.get("created"), str)
    )
