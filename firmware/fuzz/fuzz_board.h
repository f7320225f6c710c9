#ifndef ECGCC_FUZZ_BOARD_H
#define ECGCC_FUZZ_BOARD_H
#include <stdint.h>
/* Forget a reply cut short by the previous input. */
void fuzz_board_reset(void);
uint32_t fuzz_board_replies(void);
#endif
