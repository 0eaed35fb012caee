// Byte scans for the texts every page and every catalog.json object passes through: eight
// bytes are tested at once (a word holds a byte of interest, or not; then its bytes are looked
// at one by one), where a loop over single bytes spent a nanosecond a byte.
#include "cbotsystem.h"
#include <stdint.h>
#include <string.h>

#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

static inline uint64_t load(const unsigned char *p) {
    uint64_t word;
    memcpy(&word, p, 8);
    return word;
}

// Nonzero when some byte of `word` is below `n` (n <= 128); exact as a yes or no.
static inline uint64_t has_less(uint64_t word, unsigned char n) { return (word - ONES * n) & ~word & HIGHS; }

// Nonzero when some byte of `word` is above `n` (n <= 127); exact as a yes or no.
static inline uint64_t has_more(uint64_t word, unsigned char n) { return ((word + ONES * (127 - n)) | word) & HIGHS; }

// Nonzero when some byte of `word` is `c`; exact as a yes or no.
static inline uint64_t has_byte(uint64_t word, unsigned char c) { return has_less(word ^ (ONES * c), 1); }

static inline int is_plain(unsigned char b) { return (b >= 0x20 && b < 0x7F) || b == 0x09 || b == 0x0A || b == 0x0D; }

size_t botcatalog_plain_prefix(const unsigned char *bytes, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        uint64_t word = load(bytes + i);
        if (!(has_less(word, 0x20) | has_more(word, 0x7E))) continue;
        for (size_t j = i; j < i + 8; j++) if (!is_plain(bytes[j])) return j;
    }
    for (; i < count; i++) if (!is_plain(bytes[i])) return i;
    return count;
}

static inline int json_escapes(unsigned char b) { return b < 0x20 || b == '"' || b == '\\'; }

size_t botcatalog_json_escape_at(const unsigned char *bytes, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        uint64_t word = load(bytes + i);
        if (!(has_less(word, 0x20) | has_byte(word, '"') | has_byte(word, '\\'))) continue;
        for (size_t j = i; j < i + 8; j++) if (json_escapes(bytes[j])) return j;
    }
    for (; i < count; i++) if (json_escapes(bytes[i])) return i;
    return count;
}

static inline int html_escapes(unsigned char b) { return b == '<' || b == '>' || b == '&' || b == '"' || b == '\''; }

size_t botcatalog_html_escape_at(const unsigned char *bytes, size_t count) {
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        uint64_t word = load(bytes + i);
        if (!(has_byte(word, '<') | has_byte(word, '>') | has_byte(word, '&') | has_byte(word, '"') | has_byte(word, '\''))) continue;
        for (size_t j = i; j < i + 8; j++) if (html_escapes(bytes[j])) return j;
    }
    for (; i < count; i++) if (html_escapes(bytes[i])) return i;
    return count;
}
