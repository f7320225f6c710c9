/* The board's ECG front end as a sample source (build with -DECGCC_ADC_SOURCE on a board that has
 * one): samples taken by a timer-triggered ADC, fed to the monitor, events sent unsolicited. */
#ifndef ECGCC_ADC_SOURCE_H
#define ECGCC_ADC_SOURCE_H
#include <stdint.h>

/* Board side: start timer-paced conversions at the monitor's sample rate; then hand over each
 * converted sample once. Returns 1 and fills *sample, or 0 when none is waiting. */
void board_ecg_adc_start(uint32_t rate_hz);
int board_ecg_adc_read(int32_t *sample);
/* Samples the ADC produced that were overwritten before the main loop took them. */
uint32_t board_ecg_adc_overruns(void);

/* App side: drains the converted samples into the monitor; returns 0 when built without it. */
int adc_source_poll(void);
#endif
