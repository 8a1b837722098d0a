"""Real place names for the scale bench: every province-level division with its prefecture-level
divisions, and the departments an administration at each level runs.

The scale bench builds agency names from them ("河南省郑州市教育局", "郑州市教育局"), so a store of
any size holds names people would really ask about, each with the short forms they would use.
"""

from __future__ import annotations

# Province -> its prefecture-level divisions (the municipalities list districts instead).
PROVINCES: dict[str, str] = {
    "北京市": "东城区 西城区 朝阳区 丰台区 石景山区 海淀区 门头沟区 房山区 通州区 顺义区 昌平区 大兴区 怀柔区 平谷区",
    "天津市": "和平区 河东区 河西区 南开区 河北区 红桥区 东丽区 西青区 津南区 北辰区 武清区 宝坻区 滨海新区",
    "上海市": "黄浦区 徐汇区 长宁区 静安区 普陀区 虹口区 杨浦区 闵行区 宝山区 嘉定区 浦东新区 金山区 松江区 青浦区",
    "重庆市": "万州区 涪陵区 渝中区 大渡口区 江北区 沙坪坝区 九龙坡区 南岸区 北碚区 綦江区 大足区 渝北区 巴南区",
    "河北省": "石家庄市 唐山市 秦皇岛市 邯郸市 邢台市 保定市 张家口市 承德市 沧州市 廊坊市 衡水市",
    "山西省": "太原市 大同市 阳泉市 长治市 晋城市 朔州市 晋中市 运城市 忻州市 临汾市 吕梁市",
    "内蒙古自治区": "呼和浩特市 包头市 乌海市 赤峰市 通辽市 鄂尔多斯市 呼伦贝尔市 巴彦淖尔市 乌兰察布市",
    "辽宁省": "沈阳市 大连市 鞍山市 抚顺市 本溪市 丹东市 锦州市 营口市 阜新市 辽阳市 盘锦市 铁岭市 朝阳市 葫芦岛市",
    "吉林省": "长春市 吉林市 四平市 辽源市 通化市 白山市 松原市 白城市",
    "黑龙江省": "哈尔滨市 齐齐哈尔市 鸡西市 鹤岗市 双鸭山市 大庆市 伊春市 佳木斯市 七台河市 牡丹江市 黑河市 绥化市",
    "江苏省": "南京市 无锡市 徐州市 常州市 苏州市 南通市 连云港市 淮安市 盐城市 扬州市 镇江市 泰州市 宿迁市",
    "浙江省": "杭州市 宁波市 温州市 嘉兴市 湖州市 绍兴市 金华市 衢州市 舟山市 台州市 丽水市",
    "安徽省": "合肥市 芜湖市 蚌埠市 淮南市 马鞍山市 淮北市 铜陵市 安庆市 黄山市 滁州市 阜阳市 宿州市 六安市 亳州市 池州市 宣城市",
    "福建省": "福州市 厦门市 莆田市 三明市 泉州市 漳州市 南平市 龙岩市 宁德市",
    "江西省": "南昌市 景德镇市 萍乡市 九江市 新余市 鹰潭市 赣州市 吉安市 宜春市 抚州市 上饶市",
    "山东省": "济南市 青岛市 淄博市 枣庄市 东营市 烟台市 潍坊市 济宁市 泰安市 威海市 日照市 临沂市 德州市 聊城市 滨州市 菏泽市",
    "河南省": "郑州市 开封市 洛阳市 平顶山市 安阳市 鹤壁市 新乡市 焦作市 濮阳市 许昌市 漯河市 三门峡市 南阳市 商丘市 信阳市 周口市 驻马店市",
    "湖北省": "武汉市 黄石市 十堰市 宜昌市 襄阳市 鄂州市 荆门市 孝感市 荆州市 黄冈市 咸宁市 随州市",
    "湖南省": "长沙市 株洲市 湘潭市 衡阳市 邵阳市 岳阳市 常德市 张家界市 益阳市 郴州市 永州市 怀化市 娄底市",
    "广东省": "广州市 韶关市 深圳市 珠海市 汕头市 佛山市 江门市 湛江市 茂名市 肇庆市 惠州市 梅州市 汕尾市 河源市 阳江市 "
             "清远市 东莞市 中山市 潮州市 揭阳市 云浮市",
    "广西壮族自治区": "南宁市 柳州市 桂林市 梧州市 北海市 防城港市 钦州市 贵港市 玉林市 百色市 贺州市 河池市 来宾市 崇左市",
    "海南省": "海口市 三亚市 三沙市 儋州市",
    "四川省": "成都市 自贡市 攀枝花市 泸州市 德阳市 绵阳市 广元市 遂宁市 内江市 乐山市 南充市 眉山市 宜宾市 广安市 达州市 "
             "雅安市 巴中市 资阳市",
    "贵州省": "贵阳市 六盘水市 遵义市 安顺市 毕节市 铜仁市",
    "云南省": "昆明市 曲靖市 玉溪市 保山市 昭通市 丽江市 普洱市 临沧市",
    "西藏自治区": "拉萨市 日喀则市 昌都市 林芝市 山南市 那曲市",
    "陕西省": "西安市 铜川市 宝鸡市 咸阳市 渭南市 延安市 汉中市 榆林市 安康市 商洛市",
    "甘肃省": "兰州市 嘉峪关市 金昌市 白银市 天水市 武威市 张掖市 平凉市 酒泉市 庆阳市 定西市 陇南市",
    "青海省": "西宁市 海东市",
    "宁夏回族自治区": "银川市 石嘴山市 吴忠市 固原市 中卫市",
    "新疆维吾尔自治区": "乌鲁木齐市 克拉玛依市 吐鲁番市 哈密市",
}

# Departments of a provincial or prefectural government (a district of a municipality runs the same).
DEPARTMENTS: tuple[str, ...] = (
    "人民政府", "人民政府办公室", "发展和改革委员会", "教育局", "科学技术局", "工业和信息化局", "公安局", "民政局",
    "司法局", "财政局", "人力资源和社会保障局", "自然资源和规划局", "生态环境局", "住房和城乡建设局", "交通运输局",
    "水利局", "农业农村局", "商务局", "文化广电和旅游局", "卫生健康委员会", "退役军人事务局", "应急管理局", "审计局",
    "市场监督管理局", "统计局", "医疗保障局", "林业局", "城市管理局", "体育局", "信访局", "机关事务管理局",
    "地方金融监督管理局", "行政审批服务局", "数据资源管理局", "乡村振兴局", "人民防空办公室", "住房公积金管理中心",
    "粮食和物资储备局", "国防动员办公室", "民族宗教事务局", "外事办公室", "政务服务和大数据管理局", "消防救援支队",
    "城市管理综合行政执法局", "公共资源交易中心", "园林绿化局", "水务局", "经济和信息化局", "投资促进局", "档案馆",
    "国有资产监督管理委员会", "住房保障和房产管理局", "不动产登记中心", "人民政府研究室", "气象局", "地震局",
    "机构编制委员会办公室", "侨务办公室", "台湾事务办公室", "社会保险事业管理中心", "公共就业和人才服务中心",
    "疾病预防控制中心", "文物局", "知识产权局", "水文水资源勘测局", "畜牧兽医局", "农业机械化服务中心",
    "公路事业发展中心", "港航事业发展中心", "老干部局", "人民政府驻北京联络处", "供销合作社联合社",
)
# A province's own departments are 厅 where a prefecture's are 局.
PROVINCE_DEPARTMENTS: tuple[str, ...] = tuple(
    d.replace("局", "厅") if d.endswith("局") and d not in ("统计局", "审计局", "林业局", "信访局", "体育局") else d
    for d in DEPARTMENTS
)
# Development zones run by most prefectures, each with a few bureaus of its own.
ZONES: tuple[str, ...] = ("高新技术产业开发区", "经济技术开发区")
ZONE_DEPARTMENTS: tuple[str, ...] = (
    "管理委员会", "财政局", "社会事业局", "规划建设局", "市场监督管理局", "生态环境分局", "公安分局", "应急管理局",
)


def agency_names() -> list[str]:
    """Every agency name the places give, in a fixed order (prefectures' departments first, so a
    smaller store still spans the country): about 32,000 names."""
    out: list[str] = []
    for province, divisions in PROVINCES.items():
        for place in divisions.split():
            for dept in DEPARTMENTS:
                # A municipality's districts print their municipality; a prefecture prints alone.
                out.append(f"{province}{place}{dept}" if province.endswith("市") else f"{place}{dept}")
    for province, divisions in PROVINCES.items():
        if province.endswith("市"):
            continue
        for dept in PROVINCE_DEPARTMENTS:
            out.append(f"{province}{dept}")
        for place in divisions.split():
            for zone in ZONES:
                for dept in ZONE_DEPARTMENTS:
                    out.append(f"{place}{zone}{dept}")
    return list(dict.fromkeys(out))
