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
}
