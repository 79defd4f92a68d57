"""Rules that must not be left to a statistical model: emergency redirects, urgency floors, self-declared types.

12345 handles no emergencies (国办发〔2020〕53号): fires go to 119, crimes in progress to 110, injuries and
sudden illness to 120, traffic accidents to 122. A rule fires only for a clause that states a present event:
clauses that are negated ("没有人受伤"), hypothetical ("万一着火") or about the past ("上个月被偷") do not, and
nor do hazards ("火灾隐患", "消防通道被堵"), which are 12345 business.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from yiwang.hotline.triage.result import URGENCIES


@dataclass(frozen=True, slots=True)
class Redirect:
    """An emergency the caller must be transferred to: the number, the reason and the words that decided it."""

    number: str
    reason: str
    evidence: str


_CLAUSE_SPLIT = re.compile(r"[，。！？；,.!?;\n]+")

# Ordered by priority: a fire outranks a crime, a crime an injury, an injury a traffic accident.
_EMERGENCIES: tuple[tuple[str, str, re.Pattern[str]], ...] = (
    (
        "119",
        "火灾或爆炸正在发生，请立即转接 119 消防救援",
        re.compile(r"(着火|起火|失火|烧起来|火烧|火势|火很大|火灾(?!隐患)|冒(浓|黑)?烟.{0,4}(火|烧)|爆炸|炸了)"),
    ),
    (
        "110",
        "违法犯罪正在发生或人身安全受到威胁，请立即转接 110 报警",
        re.compile(
            r"(打架|打人|斗殴|持刀|拿刀|砍人|抢劫|抢东西|抢包|正在偷|在撬|撬门|入室盗窃|绑架|劫持|"
            r"家暴|殴打|要跳楼|想跳楼|跳河|轻生|杀人|性侵|非礼|拐卖|被人追|闯进|有人闹事)"
        ),
    ),
    (
        "120",
        "有人受伤或突发疾病，请立即转接 120 急救",
        re.compile(
            r"(受伤|流血|出血|晕倒|昏倒|昏迷|不省人事|没有呼吸|没呼吸|心脏病|心梗|中风|抽搐|休克|吐血|骨折|"
            r"流了.{0,4}血|摔倒.{0,4}(起不来|不动)|(人|工人|老人|小孩|孩子).{0,8}(掉下来|摔下来|跌下来|坠落)|坠楼|"
            r"叫救护车|要救护车|中毒.{0,4}(昏|吐|急救)|急救)"
        ),
    ),
    (
        "122",
        "发生道路交通事故，请立即转接 122 交通事故报警",
        re.compile(r"(车祸|交通事故|撞车|追尾|相撞|被车撞|撞了人|撞到人|撞人|翻车|剐蹭|肇事)"),
    ),
)

_NEGATION = re.compile(r"(没有|没|无|未|不是|并非|防止|预防|避免|以防|担心|害怕|怕|会不会|容易|可能)$")
_HYPOTHETICAL = re.compile(
    r"(万一|如果|假如|要是|一旦|怎么办|怎么处理|如何|应急预案|演练|宣传|培训|知识|隐患|请问|咨询)"
)
_PAST = re.compile(r"(昨天|前天|上周|上星期|上个月|去年|前年|以前|之前|上次|曾经|当时|那次|几天前|几年前|已经处理)")
_NO_HARM = re.compile(r"(没有人受伤|无人受伤|没人受伤|没有伤亡|无人员伤亡)")


def _clause_fires(clause: str, number: str, pattern: re.Pattern[str]) -> str | None:
    if _HYPOTHETICAL.search(clause) or _PAST.search(clause):
        return None
    if number == "120" and _NO_HARM.search(clause):  # "撞了，没有人受伤": an accident, but no ambulance
        return None
    for match in pattern.finditer(clause):
        before = clause[max(0, match.start() - 6) : match.start()]
        if not _NEGATION.search(before):
            return match.group(0)
    return None


def detect_redirect(text: str) -> Redirect | None:
    """The emergency number this text must go to, or None when it is 12345 business."""
    clauses = [c for c in _CLAUSE_SPLIT.split(text) if c.strip()]
    for number, reason, pattern in _EMERGENCIES:
        for clause in clauses:
            evidence = _clause_fires(clause, number, pattern)
            if evidence:
                return Redirect(number=number, reason=reason, evidence=evidence)
    return None


_VERY_URGENT = re.compile(
    r"(漏气|燃气泄漏|煤气泄漏|天然气泄漏|(天然|燃|煤)气味|困在电梯|被困|卡在.{0,4}中间|塌陷|塌方|滑坡|泥石流|"
    r"倒塌|要塌|决堤|漫堤|溃坝|触电|电线.{0,4}(掉|断|冒火花))"
)
_URGENT = re.compile(
    r"(停水|停电|没水|没电|断水|断电|爆管|水管爆|井盖(没了|丢|破|缺)|积水.{0,6}(膝|腰|深)|进水|内涝|"
    r"下坠|开裂|很危险|非常危险|太危险|马上|赶快|赶紧|立即|制氧机|透析|独居老人|瘫痪)"
)


def urgency_floor(text: str) -> tuple[str, str | None]:
    """The least urgency the words of the text demand, and the words that decided it."""
    very = _VERY_URGENT.search(text)
    if very:
        return URGENCIES[2], very.group(0)
    urgent = _URGENT.search(text)
    if urgent:
        return URGENCIES[1], urgent.group(0)
    return URGENCIES[0], None


def max_urgency(*values: str) -> str:
    """The most urgent of several urgencies."""
    return max(values, key=URGENCIES.index)


_DECLARED_TYPES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("举报", re.compile(r"^.{0,12}举报|实名举报|我要举报")),
    ("表扬", re.compile(r"(表扬|点赞|锦旗|感谢.{0,12}(工作人员|师傅|司机|热线|民警|医生|老师|社区|帮助|帮我|及时))")),
    ("建议", re.compile(r"^.{0,12}(建议|提议|提个建议)|我建议|希望(政府|相关部门)?能(增加|增设|多建|延长|开通)")),
    ("投诉", re.compile(r"^.{0,12}投诉|我要投诉")),
    ("求助", re.compile(r"(求助|求帮忙|帮帮我|救救|求求)")),
    ("咨询", re.compile(r"^.{0,6}(请问|咨询|想问|想咨询|想了解|问一下)")),
)


def declared_type(text: str) -> tuple[str, str] | None:
    """The appeal type the caller states in so many words (``我要举报`` …), with the words; None if unstated."""
    for appeal_type, pattern in _DECLARED_TYPES:
        match = pattern.search(text)
        if match:
            return appeal_type, match.group(0)
    return None
