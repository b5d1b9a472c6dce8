import GLMTTSEngine

/// The fixed English texts every benchmark uses, so runs compare like with like.
public enum BenchmarkTexts {
    /// One sentence.
    public static let short = "The quick brown fox jumps over the lazy dog near the quiet river bank."

    /// Twenty sentences of ordinary prose.
    public static let long = [
        "The morning train left the station exactly on time.",
        "Passengers settled into their seats with coffee and newspapers.",
        "Outside, the fields were still covered in a thin layer of frost.",
        "A young woman by the window was reading a book about distant islands.",
        "Her brother, sitting across from her, tried to finish a crossword puzzle.",
        "The conductor walked slowly down the aisle, checking every ticket.",
        "Somewhere near the back, a baby laughed at a bright red balloon.",
        "The train crossed a long bridge over a wide and silent river.",
        "Fishermen on the bank waved as the carriages rushed past.",
        "Soon the countryside gave way to small towns and busy roads.",
        "An announcement said that the dining car was now open.",
        "Several travelers stood up at once and headed toward the front.",
        "The smell of fresh bread and soup drifted through the corridor.",
        "At noon the sun finally broke through the heavy clouds.",
        "Light poured across the tables and made the silverware sparkle.",
        "The young woman closed her book and watched the hills go by.",
        "Her brother announced, with great pride, that the puzzle was solved.",
        "Nobody believed him until he showed them the completed grid.",
        "By evening the train arrived in the city, tired but on schedule.",
        "Everyone stepped onto the platform, ready for whatever came next.",
    ].joined(separator: " ")

    /// The Mandarin texts of the language benchmark: one sentence, and ten.
    public static let mandarinShort = "今天天气很好，我们一起去公园散步吧。"
    public static let mandarinLong = [
        "早上的火车准时离开了车站。", "乘客们带着咖啡和报纸坐了下来。", "窗外的田野上还覆盖着一层薄薄的霜。",
        "靠窗的年轻女子正在读一本关于远方岛屿的书。", "她的弟弟坐在对面，想把填字游戏做完。",
        "列车员慢慢地走过车厢，检查每一张车票。", "火车驶过一座长长的大桥，桥下是宽阔而安静的河流。",
        "不久，乡村变成了小镇和繁忙的公路。", "中午的时候，太阳终于从厚厚的云层里露了出来。",
        "傍晚，火车按时到达了城市，大家走上站台。",
    ].joined()

    /// The Japanese texts of the language benchmark: one sentence, and ten.
    public static let japaneseShort = "今日はとても良い天気なので、公園を散歩しましょう。"
    public static let japaneseLong = [
        "朝の電車は時間通りに駅を出発しました。", "乗客はコーヒーと新聞を持って席に着きました。",
        "窓の外の畑には、まだ薄い霜が残っていました。", "窓際の若い女性は、遠い島の本を読んでいました。",
        "向かいに座った弟は、クロスワードを解こうとしていました。", "車掌はゆっくりと通路を歩き、切符を確認しました。",
        "電車は広くて静かな川に架かる長い橋を渡りました。", "やがて田舎の景色は小さな町と道路に変わりました。",
        "昼になると、太陽がようやく厚い雲の間から出てきました。", "夕方、電車は予定通りに街に着き、皆ホームに降りました。",
    ].joined()
}
