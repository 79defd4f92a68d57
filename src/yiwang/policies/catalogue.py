"""The profile variable catalogue (画像变量目录) and the whitelisted functions of the policy language.

Each variable is typed, labelled in Chinese, attributed to the department whose records it comes from and says
how it is computed; ``policies.profiles`` computes exactly these columns. Series are stored as fixed-depth
columns, most recent first: a ``yearly`` variable ``revenue`` is the columns ``revenue__0`` (last full year) …
``revenue__4``; a ``monthly`` one ``insured_employees__0`` (last complete month) … ``__11``. ``events`` are lists
of ``{days, amount}`` (days before the profile date). ``strings`` are lists of labels.
"""

from __future__ import annotations

from dataclasses import dataclass

from yiwang.policies.schemas import SubjectKind, VariableInfo, VariableType

YEARLY_DEPTH = 5
MONTHLY_DEPTH = 12

_E: SubjectKind = "enterprise"
_P: SubjectKind = "person"


def _v(  # noqa: PLR0917 - a table row
    name: str,
    label: str,
    subject: SubjectKind,
    type_: VariableType,
    unit: str,
    source: str,
    computed: str,
    *,
    yearly: bool = False,
) -> VariableInfo:
    return VariableInfo(
        name=name,
        label=label,
        subject=subject,
        type=type_,
        unit=unit,
        source_department=source,
        computed=computed,
        history="yearly" if yearly else "none",
    )


VARIABLES: tuple[VariableInfo, ...] = (
    # --- enterprises: market registration (市场监管) ---
    _v("industry_section", "行业门类", _E, "string", "", "market", "登记的国民经济行业门类（GB/T 4754-2017，A–T）"),
    _v("industry_division", "行业大类", _E, "string", "", "market", "登记的行业大类（两位代码 01–97）"),
    _v("district_code", "所在区（市）县", _E, "string", "", "market", "登记住所所在区县的行政区划代码"),
    _v("entity_type", "市场主体类型", _E, "string", "", "market", "登记的主体类型（有限责任公司、个体工商户…）"),
    _v("status", "登记状态", _E, "string", "", "market", "存续 / 在业 / 吊销 / 注销 / 迁出"),
    _v("registered_capital", "注册资本", _E, "number", "万元", "market", "登记的注册资本（万元）"),
    _v("founded_on", "成立日期", _E, "date", "", "market", "营业执照成立日期"),
    _v("enterprise_age", "成立年限", _E, "number", "年", "market", "画像日期与成立日期之间的整年数"),
    _v("employees", "登记从业人数", _E, "number", "人", "market", "登记的从业人数"),
    # --- tax (税务) ---
    _v("revenue", "营业收入", _E, "yearly", "元", "tax", "纳税申报的年度营业收入，最近一个完整年度在前", yearly=True),
    _v("tax_paid", "纳税额", _E, "yearly", "元", "tax", "年度纳税额，最近一个完整年度在前", yearly=True),
    _v("tax_arrears", "欠税金额", _E, "number", "元", "tax", "最近两个年度申报中的欠税合计"),
    _v("tax_credit_grade", "纳税信用级别", _E, "string", "", "tax", "最近一个年度的纳税信用级别 A/B/M/C/D"),
    # --- social insurance (人社) ---
    _v(
        "insured_employees",
        "社保参保人数",
        _E,
        "monthly",
        "人",
        "hrss",
        "每月社会保险参保人数，最近一个完整月份在前",
    ),
    _v("social_insurance_arrears", "社保欠费", _E, "number", "元", "hrss", "近 12 个月社会保险欠费合计"),
    # --- qualifications (科技、经信) ---
    _v(
        "qualifications",
        "资质认定",
        _E,
        "strings",
        "",
        "sci",
        "画像日期有效的资质证书：高新技术企业证书→“高新技术企业”，专精特新证书→“专精特新”等",
    ),
    _v("high_tech_since", "首次认定高新技术企业日期", _E, "date", "", "sci", "最早一张高新技术企业证书的发证日期"),
    # --- credit (信用) ---
    _v("penalties", "行政处罚", _E, "events", "元", "market", "行政处罚：距画像日期的天数与罚款金额"),
    _v("abnormal_listed", "列入经营异常名录", _E, "bool", "", "market", "画像日期处于经营异常名录中（未移出）"),
    _v("serious_dishonesty", "列入严重失信主体名单", _E, "bool", "", "ndrc", "画像日期处于严重失信主体名单中"),
    _v(
        "credit_grade",
        "公共信用等级",
        _E,
        "string",
        "",
        "ndrc",
        "推导：严重失信→D；经营异常、纳税信用 C/D 或近三年罚款≥10万元→C；近一年有处罚、欠税或社保欠费→B；否则 A",
    ),
    # --- statistics (统计) ---
    _v(
        "scale_threshold",
        "规上入统营业收入标准",
        _E,
        "number",
        "元",
        "stats",
        "按行业：工业、批发业 2000 万元；零售业 500 万元；住宿餐饮业、建筑业 1000 万元；其他服务业 1000 万元",
    ),
    _v("above_scale", "规模以上", _E, "bool", "", "stats", "最近一个完整年度营业收入达到本行业规上标准"),
    _v(
        "size_class",
        "企业规模",
        _E,
        "string",
        "",
        "stats",
        "大/中/小/微（简化自《统计上大中小微型企业划分办法（2017）》：从业人员与营业收入均达标取高档）",
    ),
    # --- persons ---
    _v("age", "年龄", _P, "number", "岁", "police", "画像日期的周岁"),
    _v("sex", "性别", _P, "string", "", "police", "男 / 女"),
    _v("district_code", "户籍所在区（市）县", _P, "string", "", "police", "户籍地址所在区县的行政区划代码"),
    _v("household_in_city", "成都户籍", _P, "bool", "", "police", "户籍地在本市"),
    _v(
        "social_insurance_months",
        "本市社保缴费月数",
        _P,
        "number",
        "月",
        "hrss",
        "近 12 个月在本市缴纳社会保险的月数（个人参保记录）",
    ),
    _v("education", "最高学历", _P, "string", "", "edu", "学历证书记载的最高学历：专科/本科/硕士/博士"),
    _v("education_level", "学历层次", _P, "number", "级", "edu", "最高学历折算：专科 1、本科 2、硕士 3、博士 4"),
    _v("graduation_year", "毕业年份", _P, "number", "年", "edu", "最高学历证书的毕业年份"),
    _v("qualifications", "持有证照", _P, "strings", "", "police", "画像日期有效的证照类别"),
)

_BY_KEY = {(v.subject, v.name): v for v in VARIABLES}


def variables(subject: SubjectKind | None = None) -> list[VariableInfo]:
    """The catalogue, optionally for one subject kind."""
    return [v for v in VARIABLES if subject is None or v.subject == subject]


def variable(subject: SubjectKind, name: str) -> VariableInfo | None:
    """One variable, or None if the catalogue has no such name for that subject."""
    return _BY_KEY.get((subject, name))


def columns(info: VariableInfo) -> list[str]:
    """The profile frame columns holding a variable."""
    if info.type == "yearly":
        return [f"{info.name}__{i}" for i in range(YEARLY_DEPTH)]
    if info.type == "monthly":
        return [f"{info.name}__{i}" for i in range(MONTHLY_DEPTH)]
    return [info.name]


@dataclass(frozen=True, slots=True)
class FunctionSpec:
    """A whitelisted function: argument types, result type, which arguments must be constants."""

    name: str
    args: tuple[frozenset[str], ...]
    result: str
    constant_args: tuple[int, ...] = ()
    label: str = ""


_SERIES = frozenset({"yearly", "monthly"})
_NUM = frozenset({"number"})

FUNCTIONS: dict[str, FunctionSpec] = {
    f.name: f
    for f in (
        FunctionSpec("latest", (_SERIES,), "number", label="最近一期"),
        FunctionSpec("years_ago", (frozenset({"yearly"}), _NUM), "number", (1,), label="前第 {1} 年"),
        FunctionSpec("sum_last", (_SERIES, _NUM), "number", (1,), label="最近 {1} 期合计"),
        FunctionSpec("avg_last", (_SERIES, _NUM), "number", (1,), label="最近 {1} 期平均"),
        FunctionSpec("min_last", (_SERIES, _NUM), "number", (1,), label="最近 {1} 期最小值"),
        FunctionSpec("growth", (frozenset({"yearly"}),), "number", label="同比增长率"),
        FunctionSpec(
            "first_time_reaching", (frozenset({"yearly"}), _NUM), "bool", label="首次达到 {1}（此前各年均未达到）"
        ),
        FunctionSpec("count_in_window", (frozenset({"events"}), _NUM), "number", (1,), label="近 {1} 天次数"),
        FunctionSpec("sum_last_days", (frozenset({"events"}), _NUM), "number", (1,), label="近 {1} 天金额合计"),
        FunctionSpec("years_since", (frozenset({"date"}),), "number", label="距今整年数"),
        FunctionSpec("min", (_NUM, _NUM), "number", label="较小值"),
        FunctionSpec("max", (_NUM, _NUM), "number", label="较大值"),
        FunctionSpec("contains", (frozenset({"strings"}), frozenset({"string"})), "bool", label="包含"),
    )
}

DATE_FUNCTIONS = frozenset({"years_since"})
"""Functions whose value depends on the evaluation date, not only on the profile values (event windows are
already relative to the profile date, so they change the profile hash instead)."""
