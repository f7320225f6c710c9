#ifndef BOARD_CONFIG_H
#define BOARD_CONFIG_H
#define BOARD_NAME "nucleo_l476rg"
#define BOARD_HAS_FPU 1
#define BOARD_IRQ_COUNT 82
#define BOARD_UART_IRQ 38              /* USART2, wired to the ST-LINK virtual COM port */
#define BOARD_INSTRUCTIONS_PER_TICK 1u /* SysTick runs from the core clock: the count is in cycles */
#define BOARD_TICKS_PER_MS 4000u       /* MSI 4 MHz after reset */
#define BOARD_ECG_ADC_IRQ 18           /* ADC1_2: the ECG front end, with -DECGCC_ADC_SOURCE */
#endif
