/* Little-endian field writers for reply payloads. */
#ifndef ECGCC_WIRE_H
#define ECGCC_WIRE_H
#include <stdint.h>
#include <string.h>

typedef struct {
    uint8_t *data;
    uint32_t length;
} wire_writer_t;

static inline void wire_u8(wire_writer_t *w, uint8_t v) { w->data[w->length++] = v; }
static inline void wire_u16(wire_writer_t *w, uint16_t v) {
    wire_u8(w, (uint8_t)v);
    wire_u8(w, (uint8_t)(v >> 8));
}
static inline void wire_u32(wire_writer_t *w, uint32_t v) {
    wire_u16(w, (uint16_t)v);
    wire_u16(w, (uint16_t)(v >> 16));
}
static inline void wire_u64(wire_writer_t *w, uint64_t v) {
    wire_u32(w, (uint32_t)v);
    wire_u32(w, (uint32_t)(v >> 32));
}
static inline void wire_bytes(wire_writer_t *w, const void *src, uint32_t n) {
    memcpy(w->data + w->length, src, n);
    w->length += n;
}
/* Length-prefixed text, cut at 255 bytes. */
static inline void wire_text(wire_writer_t *w, const char *text) {
    size_t n = strlen(text);
    if (n > 255) n = 255;
    wire_u8(w, (uint8_t)n);
    wire_bytes(w, text, (uint32_t)n);
}
static inline uint16_t wire_read_u16(const uint8_t *p) { return (uint16_t)(p[0] | (p[1] << 8)); }
static inline uint32_t wire_read_u32(const uint8_t *p) {
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
#endif
