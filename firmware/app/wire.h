/* Little-endian field writers for reply payloads, bounded by construction.
 *
 * A writer knows its capacity. A field that does not fit is not written at all: the writer is marked
 * overflowed and every later field is dropped too, so a reply can never run past its frame buffer,
 * and protocol_send_reply refuses an overflowed reply as a whole instead of sending a cut one. */
#ifndef ECGCC_WIRE_H
#define ECGCC_WIRE_H
#include <stdint.h>
#include <string.h>

typedef struct {
    uint8_t *data;
    uint32_t length;
    uint32_t capacity;
    uint8_t overflow;
} wire_writer_t;

static inline wire_writer_t wire_writer(uint8_t *data, uint32_t capacity) {
    wire_writer_t w = {data, 0, capacity, 0};
    return w;
}
/* True when n more bytes fit; otherwise marks the writer overflowed. */
static inline int wire_reserve(wire_writer_t *w, uint32_t n) {
    if (w->overflow || w->length > w->capacity || n > w->capacity - w->length) {
        w->overflow = 1;
        return 0;
    }
    return 1;
}
static inline void wire_bytes(wire_writer_t *w, const void *src, uint32_t n) {
    if (!wire_reserve(w, n)) return;
    if (n > 0) memcpy(w->data + w->length, src, n);
    w->length += n;
}
static inline void wire_u8(wire_writer_t *w, uint8_t v) { wire_bytes(w, &v, 1); }
static inline void wire_u16(wire_writer_t *w, uint16_t v) {
    const uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    wire_bytes(w, b, 2);
}
static inline void wire_u32(wire_writer_t *w, uint32_t v) {
    const uint8_t b[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    wire_bytes(w, b, 4);
}
static inline void wire_u64(wire_writer_t *w, uint64_t v) {
    wire_u32(w, (uint32_t)v);
    wire_u32(w, (uint32_t)(v >> 32));
}
/* Length-prefixed text, cut at max_length (at most 255) bytes. */
static inline void wire_text_max(wire_writer_t *w, const char *text, uint8_t max_length) {
    size_t n = strlen(text);
    if (n > max_length) n = max_length;
    if (!wire_reserve(w, 1u + (uint32_t)n)) return;
    wire_u8(w, (uint8_t)n);
    wire_bytes(w, text, (uint32_t)n);
}
static inline void wire_text(wire_writer_t *w, const char *text) { wire_text_max(w, text, 255u); }
static inline uint16_t wire_read_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t wire_read_u32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
#endif
