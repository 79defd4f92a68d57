"""The synthetic city's industry mix over GB/T 4754-2017 divisions (大类), with the words names are built from.

Division names and the 门类 each division belongs to come from ``yiwang.registry.industry``; this module only
adds what the generator needs. Only divisions that market entities register under are listed (门类 S 公共管理
and T 国际组织 are left out). Weights are relative shares of registrations in a Chinese megacity [K]: among
companies 批发零售 (F), 租赁和商务服务 (L), 科学研究和技术服务 (M), 信息技术 (I), 制造 (C) and 建筑 (E) dominate;
individual businesses (个体工商户) are mostly shops (F52), restaurants (H62) and household services (O80/O81).
``company_words`` end the names of companies ("成都{字号}{word}有限公司"), ``shop_words`` those of individual
businesses ("成都市{区}{字号}{word}").
"""

from __future__ import annotations

from typing import NamedTuple

from yiwang.registry.industry import division_name, section_of_division


class Division(NamedTuple):
    """One GB/T 4754-2017 大类 with its weights and the words names are built from."""

    code: str  # two digits, 01–97
    company_weight: float
    shop_weight: float
    company_words: tuple[str, ...]
    shop_words: tuple[str, ...] = ()

    @property
    def section(self) -> str:
        """The 门类 letter (A–T) the division belongs to."""
        section = section_of_division(self.code)
        if section is None:  # pragma: no cover - the table below only holds valid codes (tested)
            raise ValueError(self.code)
        return section.code

    @property
    def name(self) -> str:
        """The division's Chinese name."""
        return division_name(self.code)


def _w(text: str) -> tuple[str, ...]:
    return tuple(text.split())


DIVISIONS: tuple[Division, ...] = (
    Division("01", 1.2, 2.0, _w("农业科技 农业开发 种植"), _w("种植场 家庭农场 果园")),
    Division("02", 0.2, 0.2, _w("林业 苗木"), _w("苗圃")),
    Division("03", 0.4, 0.8, _w("畜牧 养殖"), _w("养殖场")),
    Division("04", 0.1, 0.2, _w("水产养殖"), _w("鱼塘")),
    Division("05", 0.3, 0.1, _w("农业服务 农机服务")),
    Division("10", 0.1, 0.0, _w("矿业 石材")),
    Division("13", 0.6, 0.6, _w("粮油 食品 农产品加工"), _w("粮油加工坊 豆腐坊")),
    Division("14", 0.6, 0.5, _w("食品 调味品 火锅底料"), _w("食品加工坊 糕点坊")),
    Division("15", 0.4, 0.2, _w("酒业 茶业 饮品"), _w("酒坊 茶叶加工坊")),
    Division("17", 0.2, 0.0, _w("纺织")),
    Division("18", 0.4, 0.3, _w("服饰 制衣"), _w("制衣厂 裁缝店")),
    Division("20", 0.2, 0.2, _w("木业 竹木制品"), _w("木材加工厂")),
    Division("21", 0.5, 0.2, _w("家具"), _w("家具厂")),
    Division("23", 0.3, 0.2, _w("印务 印刷"), _w("打印店 图文店")),
    Division("26", 0.4, 0.0, _w("化工 新材料")),
    Division("27", 0.4, 0.0, _w("药业 生物医药 制药")),
    Division("29", 0.4, 0.0, _w("塑料制品 橡塑")),
    Division("30", 0.5, 0.0, _w("建材 混凝土 陶瓷")),
    Division("33", 0.6, 0.3, _w("金属制品 五金制品 钢结构"), _w("铝合金门窗店 铁艺加工部")),
    Division("34", 0.6, 0.0, _w("机械 机电设备")),
    Division("35", 0.6, 0.0, _w("装备 设备制造 智能装备")),
    Division("36", 0.3, 0.0, _w("汽车零部件 汽车部件")),
    Division("37", 0.3, 0.0, _w("航空科技 轨道交通设备")),
    Division("38", 0.5, 0.0, _w("电气 电器 新能源科技")),
    Division("39", 0.7, 0.0, _w("电子 电子科技 通信设备 光电")),
    Division("40", 0.2, 0.0, _w("仪器仪表 测控技术")),
    Division("43", 0.2, 0.1, _w("设备维修"), _w("机械维修部")),
    Division("44", 0.5, 0.0, _w("电力 能源 新能源")),
    Division("45", 0.1, 0.0, _w("燃气 天然气")),
    Division("46", 0.1, 0.0, _w("水务 供水")),
    Division("47", 2.2, 0.0, _w("建筑工程 建设工程 建设")),
    Division("48", 1.6, 0.0, _w("路桥工程 市政工程 土木工程")),
    Division("49", 1.0, 0.2, _w("机电安装 安装工程 消防工程"), _w("水电安装部")),
    Division("50", 2.4, 1.0, _w("装饰工程 建筑装饰 装饰设计"), _w("装饰部 装修队")),
    Division("51", 14.0, 6.0, _w("商贸 贸易 供应链管理 实业 进出口"), _w("批发部 经营部 商行")),
    Division(
        "52",
        11.0,
        45.0,
        _w("商贸 百货 超市 医药连锁 电子商务"),
        _w("便利店 超市 副食店 五金店 服装店 水果店 烟酒店 日杂店 手机店 药房 茶叶店 母婴店 鞋店 生鲜店"),
    ),
    Division("54", 2.0, 3.0, _w("运输 物流 客运 货运"), _w("货运部 运输部")),
    Division("58", 0.8, 0.2, _w("国际货运代理 物流"), _w("货运代理部")),
    Division("59", 0.6, 0.3, _w("仓储 仓储物流"), _w("搬家服务部")),
    Division("60", 0.4, 0.4, _w("快递 速递"), _w("快递驿站")),
    Division("61", 0.8, 2.0, _w("酒店管理 酒店 公寓管理"), _w("宾馆 客栈 民宿 招待所")),
    Division(
        "62",
        2.5,
        18.0,
        _w("餐饮管理 餐饮 火锅 饮品"),
        _w("火锅店 串串香 小吃店 面馆 餐馆 饭店 冒菜馆 茶馆 奶茶店 烧烤店 中餐馆 川菜馆 钵钵鸡店 包子铺"),
    ),
    Division("63", 0.5, 0.1, _w("通信 通信技术"), _w("通信营业厅")),
    Division("64", 2.5, 0.2, _w("网络科技 互联网科技 数字科技"), _w("网络服务部")),
    Division("65", 5.0, 0.2, _w("信息技术 软件 科技 数据科技 智能科技"), _w("电脑维修部")),
    Division("66", 0.2, 0.0, _w("小额贷款")),
    Division("67", 0.3, 0.0, _w("投资管理 股权投资基金管理")),
    Division("68", 0.3, 0.0, _w("保险代理 保险经纪")),
    Division("69", 0.2, 0.0, _w("融资担保 典当")),
    Division("70", 3.0, 0.4, _w("房地产开发 置业 物业管理 房地产经纪"), _w("房屋中介 房产信息咨询部")),
    Division("71", 1.0, 0.5, _w("设备租赁 租赁"), _w("租赁部")),
    Division(
        "72",
        13.0,
        1.0,
        _w("企业管理咨询 商务信息咨询 广告 人力资源 文化传播 会展服务 企业管理 品牌管理 知识产权代理"),
        _w("广告部 信息咨询部 图文广告店"),
    ),
    Division("73", 1.5, 0.0, _w("生物科技 新材料科技 研究院")),
    Division("74", 3.5, 0.2, _w("工程设计 检测技术 测绘 规划设计 工程咨询"), _w("设计工作室")),
    Division("75", 5.0, 0.3, _w("科技 技术服务 科技发展 环保科技"), _w("技术服务部")),
    Division("77", 0.8, 0.0, _w("环保科技 环境治理 环境工程")),
    Division("78", 0.8, 0.1, _w("园林绿化 市政设施管理 景观工程"), _w("绿化工程队")),
    Division(
        "80",
        1.5,
        12.0,
        _w("家政服务 婚庆服务 养老服务 美容管理"),
        _w("理发店 美容店 洗衣店 摄影店 家政服务部 足浴店 美甲店"),
    ),
    Division(
        "81",
        0.8,
        5.0,
        _w("汽车服务 汽车维修 家电维修"),
        _w("汽车修理部 家电维修部 手机维修店 洗车店 修鞋店"),
    ),
    Division("82", 0.6, 1.0, _w("清洁服务 宠物服务"), _w("宠物店 保洁服务部")),
    Division("83", 1.5, 0.5, _w("教育咨询 教育科技 培训"), _w("托管中心 书法培训部")),
    Division("84", 0.8, 0.4, _w("医疗管理 医院管理 健康管理"), _w("诊所 中医诊所 口腔诊所")),
    Division("85", 0.3, 0.1, _w("养老服务 社会工作服务"), _w("养老院")),
    Division("86", 0.2, 0.0, _w("文化传媒 出版")),
    Division("87", 0.6, 0.1, _w("影视文化 影视传媒"), _w("摄影工作室")),
    Division("88", 0.8, 0.3, _w("文化艺术 艺术培训"), _w("画室 琴行")),
    Division("89", 0.6, 0.5, _w("体育文化 健身管理"), _w("健身房 球馆")),
    Division("90", 0.5, 2.0, _w("娱乐 游乐"), _w("棋牌室 网吧 KTV 桌游室")),
)
"""The divisions market entities are drawn from, in code order."""
