"""Arrow schemas of the generated tables: the registry's tables column for column, named as in the database.

Parquet files of the city scale use these schemas, so a benchmark can load them into the same tables the demo
seed fills. Money is ``decimal128(18, 2)`` like the registry's ``Numeric(18, 2)``; timestamps are UTC; the
certificate ``details`` JSON is stored as text because Parquet has no JSON type.
"""

from __future__ import annotations

import pyarrow as pa

MONEY = pa.decimal128(18, 2)
STAMP = pa.timestamp("us", tz="UTC")

PERSONS = "registry_person"
ENTERPRISES = "registry_enterprise"
LICENCES = "rec_licence"
PENALTIES = "rec_penalty"
TAX = "rec_tax"
SOCIAL_INSURANCE = "rec_social_insurance"
HOUSING_FUND = "rec_housing_fund"
ABNORMAL = "rec_abnormal_operation"
DISHONESTY = "rec_serious_dishonesty"
COURT = "rec_court_judgment"
CERTIFICATES = "rec_certificate"

_RECORD_COMMON = [
    pa.field("id", pa.int64(), nullable=False),
    pa.field("owner_department", pa.string(), nullable=False),
    pa.field("subject_kind", pa.string(), nullable=False),
    pa.field("subject_code", pa.string(), nullable=False),
    pa.field("source_system", pa.string(), nullable=False),
    pa.field("recorded_at", STAMP, nullable=False),
    pa.field("synthetic", pa.bool_(), nullable=False),
]


def _record(*fields: pa.Field) -> pa.Schema:
    return pa.schema([*_RECORD_COMMON, *fields])


def _f(name: str, type_: pa.DataType, *, nullable: bool = False) -> pa.Field:
    return pa.field(name, type_, nullable=nullable)


SCHEMAS: dict[str, pa.Schema] = {
    PERSONS: pa.schema(
        [
            _f("id", pa.int64()),
            _f("id_number", pa.string()),
            _f("name", pa.string()),
            _f("sex", pa.string()),
            _f("birth_date", pa.date32()),
            _f("household_address", pa.string()),
            _f("household_district_code", pa.string()),
            _f("household_street_code", pa.string(), nullable=True),
            _f("phone", pa.string(), nullable=True),
            _f("synthetic", pa.bool_()),
            _f("created_at", STAMP),
        ]
    ),
    ENTERPRISES: pa.schema(
        [
            _f("id", pa.int64()),
            _f("uscc", pa.string()),
            _f("name", pa.string()),
            _f("entity_type", pa.string()),
            _f("legal_representative", pa.string()),
            _f("legal_representative_id", pa.string(), nullable=True),
            _f("industry_section", pa.string()),
            _f("industry_division", pa.string()),
            _f("registered_capital", MONEY),
            _f("founded_on", pa.date32()),
            _f("district_code", pa.string()),
            _f("street_code", pa.string(), nullable=True),
            _f("address", pa.string()),
            _f("status", pa.string()),
            _f("employees", pa.int64()),
            _f("synthetic", pa.bool_()),
            _f("created_at", STAMP),
        ]
    ),
    LICENCES: _record(
        _f("licence_type", pa.string()),
        _f("licence_number", pa.string()),
        _f("decision_number", pa.string(), nullable=True),
        _f("licence_category", pa.string(), nullable=True),
        _f("issuing_authority", pa.string()),
        _f("authority_uscc", pa.string(), nullable=True),
        _f("issued_on", pa.date32()),
        _f("valid_from", pa.date32()),
        _f("valid_to", pa.date32(), nullable=True),
        _f("status", pa.string()),
        _f("content", pa.string()),
    ),
    PENALTIES: _record(
        _f("decision_number", pa.string()),
        _f("violation_type", pa.string()),
        _f("facts", pa.string()),
        _f("penalty_category", pa.string()),
        _f("fine_amount", MONEY),
        _f("confiscated_amount", MONEY),
        _f("revoked_licence", pa.string()),
        _f("decided_on", pa.date32()),
        _f("deciding_authority", pa.string()),
        _f("authority_uscc", pa.string(), nullable=True),
        _f("publicity_until", pa.date32(), nullable=True),
        _f("basis", pa.string()),
        _f("content", pa.string()),
    ),
    TAX: _record(
        _f("year", pa.int64()),
        _f("revenue", MONEY),
        _f("tax_paid", MONEY),
        _f("arrears", MONEY),
        _f("credit_grade", pa.string(), nullable=True),
    ),
    SOCIAL_INSURANCE: _record(
        _f("period", pa.date32()),
        _f("insured_employees", pa.int64()),
        _f("arrears", MONEY),
    ),
    HOUSING_FUND: _record(
        _f("period", pa.date32()),
        _f("depositing_employees", pa.int64()),
        _f("amount", MONEY),
        _f("arrears", MONEY),
    ),
    ABNORMAL: _record(
        _f("listed_on", pa.date32()),
        _f("reason", pa.string()),
        _f("listing_authority", pa.string()),
        _f("removed_on", pa.date32(), nullable=True),
        _f("removal_reason", pa.string(), nullable=True),
    ),
    DISHONESTY: _record(
        _f("listed_on", pa.date32()),
        _f("reason", pa.string()),
        _f("listing_authority", pa.string()),
        _f("removed_on", pa.date32(), nullable=True),
    ),
    COURT: _record(
        _f("case_number", pa.string()),
        _f("court", pa.string()),
        _f("case_type", pa.string()),
        _f("party_role", pa.string()),
        _f("judged_on", pa.date32()),
        _f("amount", MONEY),
        _f("summary", pa.string()),
    ),
    CERTIFICATES: _record(
        _f("cert_type", pa.string()),
        _f("cert_number", pa.string()),
        _f("holder_name", pa.string()),
        _f("issuing_authority", pa.string()),
        _f("issued_on", pa.date32()),
        _f("valid_to", pa.date32(), nullable=True),
        _f("details", pa.string()),  # JSON object text
    ),
}
"""Every generated table, in load order (persons and entities before the records that name them)."""


def conform(name: str, columns: dict[str, pa.Array]) -> pa.Table:
    """A table with exactly the schema of ``name``: columns in schema order, cast to the schema's types."""
    schema = SCHEMAS[name]
    arrays = [columns[field.name].cast(field.type) for field in schema]
    return pa.Table.from_arrays(arrays, schema=schema)


def empty(name: str) -> pa.Table:
    """A table of ``name`` without rows."""
    return SCHEMAS[name].empty_table()
