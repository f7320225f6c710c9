#include "crc16.h"

uint16_t crc16_ccitt(const uint8_t *data, size_t len) { return crc16_ccitt_update(0xFFFFu, data, len); }

uint16_t crc16_ccitt_update(uint16_t crc, const uint8_t *data, size_t len) {
    for (size_t i = 0; i < len; ++i) {
        crc ^= (uint16_t)((uint16_t)data[i] << 8);
        for (int bit = 0; bit < 8; ++bit) {
            crc = (crc & 0x8000u) ? (uint16_t)((crc << 1) ^ 0x1021u) : (uint16_t)(crc << 1);
        }
    }
    return crc;
}
