#include "adc_source.h"
#include "board.h"
#include "commands.h"
#include "flash_record_player.h"
#include "protocol.h"

int main(void) {
    board_init();
    protocol_init(commands_dispatch);
    for (;;) {
        flash_record_poll();
        adc_source_poll();
        int byte = board_uart_getc();
        if (byte < 0) {
            board_wait_for_event();
            continue;
        }
        protocol_receive_byte((uint8_t)byte);
    }
}
