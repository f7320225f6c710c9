#ifndef ECGCC_CRC16_H
#define ECGCC_CRC16_H
#include <stddef.h>
#include <stdint.h>
/* CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR. */
uint16_t crc16_ccitt(const uint8_t *data, size_t len);
/* Continues a CRC over more data, so a long record can be covered piece by piece. */
uint16_t crc16_ccitt_update(uint16_t crc, const uint8_t *data, size_t len);
#endif
