extension String {
    /// Whether the text has anything but whitespace; one pass, no copy (unlike trimming first).
    var hasVisibleText: Bool {
        unicodeScalars.contains { !$0.properties.isWhitespace }
    }
}
