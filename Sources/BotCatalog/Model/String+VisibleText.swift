extension String {
    /// Whether the text has anything but whitespace; one pass, no copy (unlike trimming first).
    var hasVisibleText: Bool {
        unicodeScalars.contains { !$0.properties.isWhitespace }
    }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace or newlines: the same set as
    /// `CharacterSet.whitespacesAndNewlines` (Unicode White_Space), without Foundation's bridging.
    var trimmedWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }
}
