extension String {
    /// Whether the text has anything but whitespace; one pass, no copy (unlike trimming first).
    var hasVisibleText: Bool {
        unicodeScalars.contains { !$0.properties.isWhitespace }
    }
}

extension Substring {
    /// The text without leading and trailing whitespace or newlines (Unicode White_Space, as
    /// `CharacterSet.whitespacesAndNewlines` but for U+200B, which Foundation on Linux also
    /// trims), without Foundation's bridging.
    var trimmedWhitespace: String {
        // Starts and ends with printable ASCII: nothing to trim, no Unicode properties to look up.
        if let first = utf8.first, let last = utf8.last, (0x21..<0x80).contains(first), (0x21..<0x80).contains(last) { return String(self) }
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        // A copy of the span, not a rebuild scalar by scalar.
        return String(scalars[first...last])
    }
}

extension String {
    var trimmedWhitespace: String {
        // Nothing to trim: the text itself, not a copy of it.
        if let first = utf8.first, let last = utf8.last, (0x21..<0x80).contains(first), (0x21..<0x80).contains(last) { return self }
        return self[...].trimmedWhitespace
    }
}
