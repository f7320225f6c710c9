/* Consistent Overhead Byte Stuffing: frames never contain 0x00, so 0x00 marks a frame's end and a
 * receiver that joins mid-stream, or sees garbage, resynchronises at the next 0x00. */
#ifndef ECGCC_COBS_H
#define ECGCC_COBS_H
#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint8_t *buffer;
    size_t capacity;
    size_t length;
    uint8_t run_remaining; /* data bytes left in the current block */
    uint8_t zero_pending;  /* the current block ends in an implicit zero */
    uint8_t overflow;
} cobs_decoder_t;

void cobs_decoder_init(cobs_decoder_t *decoder, uint8_t *buffer, size_t capacity);
void cobs_decoder_reset(cobs_decoder_t *decoder);
/* Feeds one non-zero byte of an encoded frame. */
void cobs_decoder_push(cobs_decoder_t *decoder, uint8_t byte);
/* True when the bytes pushed so far form a complete encoding (no block cut short). */
int cobs_decoder_complete(const cobs_decoder_t *decoder);

typedef void (*cobs_sink_t)(const uint8_t *data, size_t len);
/* Encodes data and writes it to sink, followed by the 0x00 delimiter. */
void cobs_encode_to(const uint8_t *data, size_t len, cobs_sink_t sink);
#endif
