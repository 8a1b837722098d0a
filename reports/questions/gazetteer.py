"""What people call agencies and places: short names of bodies, place names and their pinyin.

Three tables, data only (reports.questions.agencies uses them):

- BODY_ALIASES: the short names agencies really use for a body ("发改委" for 发展和改革委员会, "市府办"
  for 人民政府办公室), on top of the word-by-word abbreviations (ABBREVIATIONS) that
  reports.questions.agencies composes by itself ("工业和信息化" -> "工信" -> "工信局").
- PLACES: Chinese place names without their suffix (provinces, prefecture-level cities, counties that
  often publish reports, special zones), each with its pinyin. A stored agency's region is known from
  its name; this table lets a question name a place in pinyin, and lets a place that has no stored
  report be recognised as a place (三明, "Sanming") instead of being ignored.
- ZONE_SUFFIXES: administrative zones that publish reports like a government ("平潭综合实验区").
"""

from __future__ import annotations

import re

# Word-by-word: long form -> the short forms people write (FORMAT-NOTES §5.1 and common department
# names). A body "发展和改革委员会" gets the keys 发改委员会, 发改, 发改委 ….
ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    ("工业和信息化", "工信"), ("工业信息化", "工信"), ("经济和信息化", "经信"), ("经济信息化", "经信"),
    ("科学技术", "科技"), ("发展和改革", "发改"), ("发展改革", "发改"),
    ("人力资源和社会保障", "人社"), ("住房和城乡建设", "住建"), ("住房城乡建设", "住建"),
    ("市场监督管理", "市场监管"), ("市场监督管理", "市监"), ("交通运输", "交通"), ("卫生健康", "卫健"),
    ("卫生和计划生育", "卫计"), ("农业农村", "农业"), ("农业农村", "农农"), ("文化广电和旅游", "文旅"),
    ("文化广电旅游", "文旅"), ("文化和旅游", "文旅"), ("文化旅游", "文旅"), ("应急管理", "应急"),
    ("生态环境", "环保"), ("生态环境", "生态"), ("自然资源和规划", "自然资源"), ("自然资源和规划", "资规"),
    ("退役军人事务", "退役军人"), ("人民政府", "政府"), ("教育体育", "教体"), ("城市管理综合执法", "城管"),
    ("城市管理", "城管"), ("综合行政执法", "综合执法"), ("医疗保障", "医保"), ("行政审批服务", "审批"),
    ("政务服务和大数据管理", "政数"), ("政务服务", "政务"), ("机关事务管理", "机关事务"),
    ("国有资产监督管理", "国资"), ("地方金融监督管理", "金融"), ("林业和草原", "林草"),
    ("公安", "公安"), ("财政", "财政"), ("教育", "教育"), ("民政", "民政"), ("司法", "司法"),
    ("审计", "审计"), ("统计", "统计"), ("商务", "商务"), ("水利", "水利"), ("税务", "税务"),
)

# Whole bodies and the names they go by beyond word-by-word abbreviation.
BODY_ALIASES: dict[str, tuple[str, ...]] = {
    "人民政府办公室": ("政府办", "府办", "政府办公室", "办公室"),
    "人民政府办公厅": ("政府办", "府办", "政府办公厅", "办公厅"),
    "科学技术委员会": ("科委",),
    "科学技术局": ("科技局",),
    "发展和改革委员会": ("发改委",),
    "发展和改革局": ("发改局",),
    "发展改革委员会": ("发改委",),
    "工业和信息化局": ("工信局",),
    "文化和旅游局": ("文旅局",),
    "文化广电和旅游局": ("文旅局", "文广旅局"),
    "城市管理局": ("城管局",),
    "城市管理综合执法局": ("城管局", "城管执法局"),
    "应急管理局": ("应急局",),
    "住房和城乡建设局": ("住建局",),
    "人力资源和社会保障局": ("人社局",),
    "市场监督管理局": ("市监局", "市场监管局"),
    "卫生健康委员会": ("卫健委",),
    "生态环境局": ("环保局", "环境局"),
    "自然资源和规划局": ("自然资源局", "资规局"),
    "医疗保障局": ("医保局",),
    "退役军人事务局": ("退役军人局",),
    "行政审批服务局": ("审批局",),
}

ZONE_SUFFIXES: tuple[str, ...] = ("综合实验区", "经济技术开发区", "高新技术产业开发区", "新区")

# Places, by their name without suffix, with pinyin (no tones, no apostrophes).
_PLACES = """
北京 beijing 天津 tianjin 上海 shanghai 重庆 chongqing 河北 hebei 山西 shanxi 辽宁 liaoning 吉林 jilin
黑龙江 heilongjiang 江苏 jiangsu 浙江 zhejiang 安徽 anhui 福建 fujian 江西 jiangxi 山东 shandong
河南 henan 湖北 hubei 湖南 hunan 广东 guangdong 海南 hainan 四川 sichuan 贵州 guizhou 云南 yunnan
陕西 shaanxi 甘肃 gansu 青海 qinghai 内蒙古 neimenggu 广西 guangxi 西藏 xizang 宁夏 ningxia
新疆 xinjiang 香港 hongkong 澳门 aomen
石家庄 shijiazhuang 唐山 tangshan 秦皇岛 qinhuangdao 邯郸 handan 邢台 xingtai 保定 baoding
张家口 zhangjiakou 承德 chengde 沧州 cangzhou 廊坊 langfang 衡水 hengshui 太原 taiyuan 大同 datong
阳泉 yangquan 长治 changzhi 晋城 jincheng 朔州 shuozhou 晋中 jinzhong 运城 yuncheng 忻州 xinzhou
临汾 linfen 吕梁 lvliang 呼和浩特 huhehaote 包头 baotou 乌海 wuhai 赤峰 chifeng 通辽 tongliao
鄂尔多斯 eerduosi 呼伦贝尔 hulunbeier 沈阳 shenyang 大连 dalian 鞍山 anshan 抚顺 fushun 本溪 benxi
丹东 dandong 锦州 jinzhou 营口 yingkou 阜新 fuxin 辽阳 liaoyang 盘锦 panjin 铁岭 tieling 朝阳 chaoyang
葫芦岛 huludao 长春 changchun 四平 siping 辽源 liaoyuan 通化 tonghua 白山 baishan 松原 songyuan
白城 baicheng 延边 yanbian 哈尔滨 haerbin 齐齐哈尔 qiqihaer 鸡西 jixi 鹤岗 hegang 双鸭山 shuangyashan
大庆 daqing 伊春 yichun 佳木斯 jiamusi 七台河 qitaihe 牡丹江 mudanjiang 黑河 heihe 绥化 suihua
南京 nanjing 无锡 wuxi 徐州 xuzhou 常州 changzhou 苏州 suzhou 南通 nantong 连云港 lianyungang
淮安 huaian 盐城 yancheng 扬州 yangzhou 镇江 zhenjiang 泰州 taizhou 宿迁 suqian 杭州 hangzhou
宁波 ningbo 温州 wenzhou 嘉兴 jiaxing 湖州 huzhou 绍兴 shaoxing 金华 jinhua 衢州 quzhou 舟山 zhoushan
台州 taizhou 丽水 lishui 合肥 hefei 芜湖 wuhu 蚌埠 bengbu 淮南 huainan 马鞍山 maanshan 淮北 huaibei
铜陵 tongling 安庆 anqing 黄山 huangshan 滁州 chuzhou 阜阳 fuyang 宿州 suzhou 六安 luan 亳州 bozhou
池州 chizhou 宣城 xuancheng 福州 fuzhou 厦门 xiamen 莆田 putian 三明 sanming 泉州 quanzhou
漳州 zhangzhou 南平 nanping 龙岩 longyan 宁德 ningde 平潭 pingtan 南昌 nanchang 景德镇 jingdezhen
萍乡 pingxiang 九江 jiujiang 新余 xinyu 鹰潭 yingtan 赣州 ganzhou 吉安 jian 宜春 yichun 抚州 fuzhou
上饶 shangrao 济南 jinan 青岛 qingdao 淄博 zibo 枣庄 zaozhuang 东营 dongying 烟台 yantai 潍坊 weifang
济宁 jining 泰安 taian 威海 weihai 日照 rizhao 临沂 linyi 德州 dezhou 聊城 liaocheng 滨州 binzhou
菏泽 heze 郑州 zhengzhou 开封 kaifeng 洛阳 luoyang 平顶山 pingdingshan 安阳 anyang 鹤壁 hebi
新乡 xinxiang 焦作 jiaozuo 濮阳 puyang 许昌 xuchang 漯河 luohe 三门峡 sanmenxia 南阳 nanyang
商丘 shangqiu 信阳 xinyang 周口 zhoukou 驻马店 zhumadian 济源 jiyuan 武汉 wuhan 黄石 huangshi
十堰 shiyan 宜昌 yichang 襄阳 xiangyang 鄂州 ezhou 荆门 jingmen 孝感 xiaogan 荆州 jingzhou
黄冈 huanggang 咸宁 xianning 随州 suizhou 恩施 enshi 长沙 changsha 株洲 zhuzhou 湘潭 xiangtan
衡阳 hengyang 邵阳 shaoyang 岳阳 yueyang 常德 changde 张家界 zhangjiajie 益阳 yiyang 郴州 chenzhou
永州 yongzhou 怀化 huaihua 娄底 loudi 湘西 xiangxi 广州 guangzhou 韶关 shaoguan 深圳 shenzhen
珠海 zhuhai 汕头 shantou 佛山 foshan 江门 jiangmen 湛江 zhanjiang 茂名 maoming 肇庆 zhaoqing
惠州 huizhou 梅州 meizhou 汕尾 shanwei 河源 heyuan 阳江 yangjiang 清远 qingyuan 东莞 dongguan
中山 zhongshan 潮州 chaozhou 揭阳 jieyang 云浮 yunfu 南宁 nanning 柳州 liuzhou 桂林 guilin
梧州 wuzhou 北海 beihai 防城港 fangchenggang 钦州 qinzhou 贵港 guigang 玉林 yulin 百色 baise
贺州 hezhou 河池 hechi 来宾 laibin 崇左 chongzuo 海口 haikou 三亚 sanya 儋州 danzhou 昌江 changjiang
成都 chengdu 自贡 zigong 攀枝花 panzhihua 泸州 luzhou 德阳 deyang 绵阳 mianyang 广元 guangyuan
遂宁 suining 内江 neijiang 乐山 leshan 南充 nanchong 眉山 meishan 宜宾 yibin 广安 guangan
达州 dazhou 雅安 yaan 巴中 bazhong 资阳 ziyang 阿坝 aba 甘孜 ganzi 凉山 liangshan 贵阳 guiyang
六盘水 liupanshui 遵义 zunyi 安顺 anshun 毕节 bijie 铜仁 tongren 黔西南 qianxinan 黔东南 qiandongnan
黔南 qiannan 昆明 kunming 曲靖 qujing 玉溪 yuxi 保山 baoshan 昭通 zhaotong 丽江 lijiang 普洱 puer
临沧 lincang 大理 dali 红河 honghe 西双版纳 xishuangbanna 拉萨 lasa 日喀则 rikaze 西安 xian
铜川 tongchuan 宝鸡 baoji 咸阳 xianyang 渭南 weinan 延安 yanan 汉中 hanzhong 榆林 yulin 安康 ankang
商洛 shangluo 杨凌 yangling 兰州 lanzhou 嘉峪关 jiayuguan 金昌 jinchang 白银 baiyin 天水 tianshui
武威 wuwei 张掖 zhangye 平凉 pingliang 酒泉 jiuquan 庆阳 qingyang 定西 dingxi 陇南 longnan
西宁 xining 海东 haidong 银川 yinchuan 石嘴山 shizuishan 吴忠 wuzhong 固原 guyuan 中卫 zhongwei
乌鲁木齐 wulumuqi 克拉玛依 kelamayi 吐鲁番 tulufan 哈密 hami 喀什 kashi 伊犁 yili
灵宝 lingbao 义马 yima 渑池 mianchi 卢氏 lushi 陕州 shanzhou 湖滨 hubin 卫辉 weihui 辉县 huixian
长垣 changyuan 获嘉 huojia 原阳 yuanyang 延津 yanjin 封丘 fengqiu 红旗 hongqi 卫滨 weibin
牧野 muye 凤泉 fengquan 淮阴 huaiyin 涟水 lianshui 盱眙 xuyi 金湖 jinhu 洪泽 hongze 清江浦 qingjiangpu
沭阳 shuyang 泗阳 siyang 泗洪 sihong 宿城 sucheng 宿豫 suyu 蒙城 mengcheng
汶上 wenshang 新荣 xinrong 云冈 yungang 五常 wuchang 青阳 qingyang 城中 chengzhong 鲤城 licheng
文登 wendeng 历下 lixia 城厢 chengxiang 涵江 hanjiang 荔城 licheng 秀屿 xiuyu 仙游 xianyou
永泰 yongtai 闽侯 minhou 长乐 changle 福清 fuqing 晋江 jinjiang 石狮 shishi 南安 nanan
海淀 haidian 浦东 pudong 黄浦 huangpu 徐汇 xuhui 静安 jingan 滨海 binhai
"""


def _places(text: str) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    words = text.split()
    for zh, py in zip(words[::2], words[1::2], strict=True):
        out[zh] = (*out.get(zh, ()), py)
    return out


PLACES: dict[str, tuple[str, ...]] = _places(_PLACES)
PLACE_PINYIN: dict[str, list[str]] = {}
for _zh, _pys in PLACES.items():
    for _py in _pys:
        PLACE_PINYIN.setdefault(_py, []).append(_zh)

# Pinyin syllables (initials × finals, the common ones): a word made of them reads as a place name
# ("Sanming", "putian") rather than as English.
_INITIAL = r"(?:zh|ch|sh|[bpmfdtnlgkhjqxrzcsyw])"
_FINAL = (r"(?:iang|iong|uang|ueng|ang|eng|ing|ong|ian|iao|uai|uan|van|ai|ei|ao|ou|an|en|er|ia|ie|in|iu|"
          r"ua|uo|ue|ui|un|ve|vn|a|o|e|i|u|v)")
_ALONE = r"(?:ang|eng|ai|ei|ao|ou|an|en|er|a|o|e)"  # finals that stand without an initial (an, e, ou)
_PINYIN_WORD = re.compile(rf"(?:{_INITIAL}{_FINAL}|{_ALONE}){{2,4}}")


def looks_pinyin(word: str) -> bool:
    """Whether a lower-case word reads as 2 to 4 pinyin syllables (a Chinese place name)."""
    return len(word) >= 4 and _PINYIN_WORD.fullmatch(word) is not None
