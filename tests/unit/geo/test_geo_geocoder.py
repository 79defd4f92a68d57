"""The geocoder on addresses, citizen messages, short and old names, shared names, other cities and nonsense."""

import pytest

from yiwang.geo.divisions import load_divisions
from yiwang.geo.geocoder import Geocoder, GeocodeStatus, community_short_name, normalize

MATCHED = GeocodeStatus.MATCHED
DISTRICT_ONLY = GeocodeStatus.DISTRICT_ONLY
AMBIGUOUS = GeocodeStatus.AMBIGUOUS
UNKNOWN = GeocodeStatus.UNKNOWN


@pytest.fixture(scope="module")
def geocoder() -> Geocoder:
    return Geocoder(load_divisions())


@pytest.mark.parametrize(
    ("text", "district", "street"),
    [
        ("四川省成都市武侯区玉林街道玉林北路3号", "510107", "玉林街道"),
        ("郫都区犀浦镇那边路灯坏了", "510117", "犀浦街道"),  # 犀浦镇 became 犀浦街道
        ("新津县五津镇", "510118", "五津街道"),
        ("双流县东升镇", "510116", "东升街道"),
        ("郫县犀浦", "510117", "犀浦街道"),
        ("新都区大丰街道蜀龙大道旁边的垃圾桶三天没人清运了", "510114", "大丰街道"),
        ("我是龙泉驿区十陵街道的居民，楼下烧烤油烟太大", "510112", "十陵街道"),
        ("温江区柳城街道光华大道三段附近路面塌陷", "510115", "柳城街道"),
        ("青白江区大弯街道某小区电梯故障困人", "510113", "大弯街道"),
        ("金堂县淮口镇工业园区晚上有异味", "510121", "淮口街道"),
        ("彭州市致和镇农贸市场占道经营", "510182", "致和街道"),
        ("邛崃市平乐镇古镇内乱收费", "510183", "平乐镇"),
        ("都江堰市青城山镇景区门口堵车", "510181", "青城山镇"),
        ("大邑县安仁古镇周末停车难", "510129", "安仁镇"),
        ("双流区黄龙溪古镇人太多了", "510116", "黄龙溪镇"),
        ("简阳市石桥镇", "510185", "石桥街道"),
        ("天府新区华阳街道正北上街", "510116", "华阳街道"),
        ("我住在高新区桂溪街道天府三街，小区噪音扰民", "510107", "桂溪街道"),
        ("金牛区茶店子那个公交站旁边下水道堵了好几天了", "510106", "茶店子街道"),
        ("成华区二仙桥东三路", "510108", "二仙桥街道"),
        ("锦江区春熙路", "510104", "春熙路街道"),
        ("犀浦", "510117", "犀浦街道"),  # a bare street name, unique in the city
        ("天回镇", "510106", "天回镇街道"),
        ("彭镇", "510116", "彭镇"),
        ("石羊镇", "510181", "石羊镇"),  # the exact name beats 石羊街道's former town name
        ("石羊街道", "510107", "石羊街道"),
        ("武侯区石羊", "510107", "石羊街道"),
        ("都江堰石羊", "510181", "石羊镇"),
        ("高新区石羊", "510107", "石羊街道"),  # the functional zone tells the two 石羊 apart
        ("成华区青龙", "510108", "青龙街道"),
        ("金堂赵家镇", "510121", "赵家镇"),
        ("郫都区团结街道", "510117", "团结街道"),
        ("龙泉驿区同安街道办事处", "510112", "同安街道"),
    ],
)
def test_matched_texts(geocoder, text, district, street):
    result = geocoder.geocode(text)
    assert result.status == MATCHED, result.reason
    assert result.district_code == district
    assert result.street_name == street
    assert result.street_code is not None
    assert result.street_code.startswith(district)
    assert 0.4 <= result.confidence <= 0.99
    assert result.reason


def test_community_names_lead_to_their_street_and_district(geocoder):
    result = geocoder.geocode("水井坊社区楼下噪音")
    assert result.status == MATCHED
    assert (result.district_name, result.street_name) == ("锦江区", "锦官驿街道")
    assert result.community_name == "水井坊社区居委会"
    assert result.community_code == "510104017001"

    village = geocoder.geocode("大梁村")
    assert village.status == MATCHED
    assert village.community_name == "大梁村村委会"

    with_street = geocoder.geocode("金牛区抚琴街道西南街社区")
    assert with_street.street_name == "抚琴街道"
    assert with_street.community_name == "西南街社区居委会"


def test_shared_community_names_need_the_district(geocoder):
    shared = geocoder.geocode("永兴社区")
    assert shared.status == AMBIGUOUS
    assert len(shared.candidates) > 2
    named = geocoder.geocode("武侯区永兴社区")
    assert named.status == MATCHED
    assert named.street_name == "簇锦街道"


@pytest.mark.parametrize(
    ("text", "district"),
    [
        ("武侯", "510107"),
        ("郫县", "510117"),
        ("新津县", "510118"),
        ("双流县", "510116"),
        ("灌县", "510181"),
        ("成都市青羊区光华大道", "510105"),  # 光华 alone names no street: 光华大道 crosses districts
        ("成华区建设路商圈噪音", "510108"),
        ("新都", "510114"),
        ("锦江边上有人钓鱼", "510104"),
        ("武侯大道双楠段", "510107"),
    ],
)
def test_district_only_texts(geocoder, text, district):
    result = geocoder.geocode(text)
    assert result.status == DISTRICT_ONLY, result.reason
    assert result.district_code == district
    assert result.street_code is None
    assert "未识别到街道" in result.reason


def test_confidence_follows_the_evidence(geocoder):
    full = geocoder.geocode("四川省成都市武侯区玉林街道玉林北路3号").confidence
    suffix_only = geocoder.geocode("玉林街道").confidence
    bare = geocoder.geocode("玉林").confidence
    road = geocoder.geocode("玉林北路").confidence
    assert full > suffix_only > bare > road
    assert road < 0.5
    assert geocoder.geocode("武侯区").confidence > geocoder.geocode("武侯").confidence
    assert geocoder.geocode("武侯").confidence > geocoder.geocode("武侯大道").confidence


def test_road_names_are_reported_as_weak_evidence(geocoder):
    result = geocoder.geocode("玉林北路")
    assert result.status == MATCHED
    assert "道路" in result.reason


@pytest.mark.parametrize(
    ("text", "streets"),
    [
        ("石羊", {"石羊街道", "石羊镇"}),
        ("青龙", {"青龙街道", "青龙镇"}),
        ("涌泉", {"涌泉街道", "涌泉镇"}),
        ("寿安", {"寿安镇", "寿安街道"}),
        ("江源", {"江源街道", "江源镇"}),
        ("大同", {"大同街道", "大同镇"}),
    ],
)
def test_street_names_shared_by_districts_are_ambiguous(geocoder, text, streets):
    result = geocoder.geocode(text)
    assert result.status == AMBIGUOUS
    assert result.district_code is None
    assert {c.street_name for c in result.candidates} == streets
    assert len({c.district_code for c in result.candidates}) == 2
    assert result.confidence <= 0.5
    assert "请补充区（市）县" in result.reason


def test_a_street_contradicting_the_district_is_not_guessed(geocoder):
    result = geocoder.geocode("武侯区犀浦镇")
    assert result.status == AMBIGUOUS
    assert result.confidence <= 0.3
    assert {c.district_code for c in result.candidates} == {"510107", "510117"}
    assert "不一致" in result.reason


def test_several_districts_without_a_street_are_ambiguous(geocoder):
    result = geocoder.geocode("锦江区和武侯区交界处")
    assert result.status == AMBIGUOUS
    assert {c.district_code for c in result.candidates} == {"510104", "510107"}


def test_functional_zone_alone_is_ambiguous(geocoder):
    result = geocoder.geocode("四川省成都市高新区天府大道北段1700号")
    assert result.status == AMBIGUOUS
    assert "功能区" in result.reason
    assert "510107" in {c.district_code for c in result.candidates}
    east = geocoder.geocode("高新东区")  # lies in one district only
    assert (east.status, east.district_code) == (DISTRICT_ONLY, "510185")
    assert east.confidence <= 0.6


@pytest.mark.parametrize(
    "text",
    ["北京市朝阳区建国路88号", "上海市浦东新区世纪大道", "重庆市渝中区解放碑", "四川省绵阳市涪城区", "北京朝阳"],
)
def test_other_cities_are_unknown(geocoder, text):
    result = geocoder.geocode(text)
    assert result.status == UNKNOWN
    assert result.confidence == 0.0
    assert result.reason.startswith("地址不在成都市")


def test_other_city_names_in_a_chengdu_address_only_lower_confidence(geocoder):
    result = geocoder.geocode("我从北京市来，在锦江区春熙路街道被宰了")
    assert result.status == MATCHED
    assert result.street_name == "春熙路街道"
    assert result.confidence < 0.7
    assert "北京市" in result.reason
    assert geocoder.geocode("我从北京来成都旅游，在锦江区春熙路街道被宰了").confidence > 0.9


@pytest.mark.parametrize(
    "text", ["", "   ", "asdfgh", "今天天气不错", "12345", "幸福", "团结一心", "天府大道", "我们小区很幸福", "重庆路"]
)
def test_nonsense_and_everyday_words_are_unknown(geocoder, text):
    result = geocoder.geocode(text)
    assert result.status == UNKNOWN
    assert result.confidence == 0.0
    assert result.district_code is None


def test_city_alone_is_unknown_with_a_reason(geocoder):
    result = geocoder.geocode("成都市")
    assert result.status == UNKNOWN
    assert "只识别到「成都市」" in result.reason


def test_full_width_characters_and_spaces_are_normalised(geocoder):
    assert normalize("成都市 武侯区\u3000玉林街道１２号") == "成都市武侯区玉林街道12号"
    result = geocoder.geocode("成都市 武侯区\u3000玉林街道１２号")
    assert result.street_name == "玉林街道"


def test_evidence_lists_the_recognised_names(geocoder):
    result = geocoder.geocode("郫都区犀浦镇那边路灯坏了")
    assert result.evidence == ("郫都区", "犀浦镇")


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("水井坊社区居委会", "水井坊社区"),
        ("金凤社区居民委员会", "金凤社区"),
        ("跳蹬村委会", "跳蹬村"),
        ("大梁村村委会", "大梁村"),
        ("永寿社区村民委员会", "永寿社区"),
        ("天瑞社区工作站社区", "天瑞社区"),
    ],
)
def test_community_short_names(name, short):
    assert community_short_name(name) == short


def test_every_district_street_and_town_name_resolves_to_itself(geocoder):
    divisions = load_divisions()
    for district in divisions.districts:
        result = geocoder.geocode(district.name)
        assert (result.status, result.district_code) == (DISTRICT_ONLY, district.code)
    for street in divisions.streets:
        district = next(d for d in divisions.districts if d.code == street.district_code)
        result = geocoder.geocode(f"{district.name}{street.name}")
        assert (result.status, result.street_code) == (MATCHED, street.code), result.reason
        assert result.confidence >= 0.95
