#include "cobs.h"

void cobs_decoder_init(cobs_decoder_t *decoder, uint8_t *buffer, size_t capacity) {
    decoder->buffer = buffer;
    decoder->capacity = capacity;
    cobs_decoder_reset(decoder);
}

void cobs_decoder_reset(cobs_decoder_t *decoder) {
    decoder->length = 0;
    decoder->run_remaining = 0;
    decoder->zero_pending = 0;
    decoder->overflow = 0;
}

static void append(cobs_decoder_t *decoder, uint8_t byte) {
    if (decoder->length < decoder->capacity) {
        decoder->buffer[decoder->length++] = byte;
    } else {
        decoder->overflow = 1;
    }
}

void cobs_decoder_push(cobs_decoder_t *decoder, uint8_t byte) {
    if (decoder->run_remaining > 0) {
        append(decoder, byte);
        decoder->run_remaining--;
        return;
    }
    if (decoder->zero_pending) append(decoder, 0);
    decoder->run_remaining = (uint8_t)(byte - 1u);
    decoder->zero_pending = byte != 0xFFu;
}

int cobs_decoder_complete(const cobs_decoder_t *decoder) { return decoder->run_remaining == 0; }

void cobs_encode_to(const uint8_t *data, size_t len, cobs_sink_t sink) {
    size_t start = 0;
    for (;;) {
        size_t end = start;
        while (end < len && data[end] != 0 && end - start < 254) ++end;
        const uint8_t code = (uint8_t)(end - start + 1);
        sink(&code, 1);
        sink(data + start, end - start);
        if (end >= len) break;   /* the delimiter stands for the last block's zero */
        /* A full block (code 0xFF) implies no zero, so the byte at end, zero or not, opens the next block */
        start = code == 0xFFu ? end : end + 1;
    }
    static const uint8_t delimiter = 0;
    sink(&delimiter, 1);
}
