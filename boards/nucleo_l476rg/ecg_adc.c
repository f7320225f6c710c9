/* ECG front end on the NUCLEO-L476RG: an AD8232 module's OUTPUT on A0 (PA0, ADC1 channel 5), converted
 * at the monitor's rate by TIM6's update event, 12 bits. Not exercised in CI (no board there).
 * Build with -DECGCC_ADC_SOURCE -DECG_ADC_ZERO=2048 -DECG_ADC_MAX=4095 -DECG_ADC_UNITS_PER_MV=1365
 * (AD8232 gain 1100 around 1.65 V, 3.3 V reference: 1 mV at the electrodes is about 1365 codes). */
#include <stdint.h>

#include "adc_source.h"
#include "board_config.h"

#ifdef ECGCC_ADC_SOURCE
#define REG(address) (*(volatile uint32_t *)(address))
#define RCC_AHB2ENR REG(0x4002104Cu)
#define RCC_APB1ENR1 REG(0x40021058u)
#define GPIOA_MODER REG(0x48000000u)
#define GPIOA_ASCR REG(0x4800002Cu)
#define ADC1_ISR REG(0x50040000u)
#define ADC1_IER REG(0x50040004u)
#define ADC1_CR REG(0x50040008u)
#define ADC1_CFGR REG(0x5004000Cu)
#define ADC1_SMPR1 REG(0x50040014u)
#define ADC1_SQR1 REG(0x50040030u)
#define ADC1_DR REG(0x50040040u)
#define ADC_CCR REG(0x50040308u)
#define TIM6_CR1 REG(0x40001000u)
#define TIM6_CR2 REG(0x40001004u)
#define TIM6_PSC REG(0x40001028u)
#define TIM6_ARR REG(0x4000102Cu)
#define NVIC_ISER0 REG(0xE000E100u)
#define CORE_CLOCK_HZ 4000000u /* MSI after reset, as the rest of this board layer assumes */

#define QUEUE 32u /* 89 ms at 360 Hz: the main loop only has to look in that often */
static volatile int16_t queue[QUEUE];
static volatile uint32_t written, taken, overruns;

static void delay_cycles(uint32_t n) {
    while (n--) __asm volatile("nop");
}

void board_ecg_adc_start(uint32_t rate_hz) {
    RCC_AHB2ENR |= (1u << 0) | (1u << 13); /* GPIOA, ADC */
    RCC_APB1ENR1 |= 1u << 4;               /* TIM6 */
    GPIOA_MODER |= 0x3u;                   /* PA0 analog */
    GPIOA_ASCR |= 1u;                      /* connect PA0 to the ADC */
    ADC_CCR = (ADC_CCR & ~(0x3u << 16)) | (0x1u << 16); /* ADC clock = HCLK */
    ADC1_CR &= ~(1u << 29);                /* leave deep power-down */
    ADC1_CR |= 1u << 28;                   /* voltage regulator on */
    delay_cycles(200);                     /* > 20 us at 4 MHz */
    ADC1_CR |= 1u << 31;                   /* calibrate */
    while (ADC1_CR & (1u << 31)) {
    }
    ADC1_ISR = 1u;                         /* clear ADRDY */
    ADC1_CR |= 1u;                         /* enable */
    while (!(ADC1_ISR & 1u)) {
    }
    ADC1_SMPR1 = 0x7u << 15;               /* channel 5: longest sampling time, the AD8232 output is high impedance */
    ADC1_SQR1 = 5u << 6;                   /* one conversion: channel 5 */
    ADC1_CFGR = (0x1u << 10) | (13u << 6); /* rising edge of EXT13 = TIM6_TRGO, 12 bits */
    ADC1_IER = 1u << 2;                    /* end of conversion */
    NVIC_ISER0 = 1u << BOARD_ECG_ADC_IRQ;
    ADC1_CR |= 1u << 2;                    /* wait for triggers */
    TIM6_PSC = 0;
    TIM6_ARR = CORE_CLOCK_HZ / rate_hz - 1u;
    TIM6_CR2 = 0x2u << 4;                  /* update event -> TRGO */
    TIM6_CR1 = 1u;
}

/* Reading DR clears the end-of-conversion flag. */
void board_ecg_adc_irq_handler(void) {
    int16_t value = (int16_t)(ADC1_DR & 0xFFFu);
    if (written - taken >= QUEUE) {
        overruns++;
        return;
    }
    queue[written % QUEUE] = value;
    written++;
}

int board_ecg_adc_read(int32_t *sample) {
    if (taken == written) return 0;
    *sample = queue[taken % QUEUE];
    taken++;
    return 1;
}

uint32_t board_ecg_adc_overruns(void) { return overruns; }
#endif
