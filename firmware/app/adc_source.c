#include "adc_source.h"

#include "app_features.h"

#if defined(ECGCC_ADC_SOURCE) && defined(ECGCC_WITH_MONITOR)
#include "monitor_config.h"
#include "stream_command.h"

static uint32_t sample_index;
static uint8_t running;

int adc_source_poll(void) {
    if (!running) {
        stream_monitor_restart(1u);
        board_ecg_adc_start(ECG_SAMPLE_RATE_HZ);
        running = 1;
    }
    int32_t sample;
    while (board_ecg_adc_read(&sample)) {
        stream_send_events(sample_index, stream_monitor_push(sample));
        sample_index++;
    }
    return 1;
}
#else
int adc_source_poll(void) { return 0; }
#endif
