/* Host driver for the firmware monitor: reads raw samples (little-endian
 * int32) from stdin, prints every event, and optionally writes per-sample
 * stage values and the model windows for comparison with the Python twin.
 *
 *   monitor_host [--config] [--trace FILE] [--windows FILE]
 *                [--classes FILE] [--answer callback|softmax|none]
 *                [--brady BPM] [--tachy BPM] [--pause MS] [--vrun BEATS]
 *                [--af-min MS] [--leads 1|2] [--wrong-call-every K]
 *
 * --leads 2 reads (primary, second) pairs and pushes them with
 * monitor_push_pair. --wrong-call-every K makes the call of the other lead
 * count before every K-th input sample and checks it is refused: -1 and no
 * events from monitor_push_pair on a one-lead monitor, no events from
 * monitor_push_sample on a two-lead one (exit status 3 otherwise).
 *
 * --classes gives "position class [confidence]" lines (sorted): the stand-in
 * classifier labels a beat with the nearest listed class within 150 ms at the
 * listed confidence (230 when none is given), and otherwise calls it N at
 * confidence 100. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "monitor.h"

static monitor_t monitor;
static monitor_output_t out;

typedef struct {
    int32_t *positions;
    uint8_t *classes;
    uint8_t *confidences;
    size_t count;
} class_table_t;

static class_table_t table;

static int load_classes(const char *path)
{
    FILE *f = fopen(path, "r");
    size_t capacity = 1024;
    long position;
    int cls, confidence, fields;
    char line[64];
    if (!f) return -1;
    table.positions = malloc(capacity * sizeof(int32_t));
    table.classes = malloc(capacity);
    table.confidences = malloc(capacity);
    while (fgets(line, sizeof line, f)) {
        fields = sscanf(line, "%ld %d %d", &position, &cls, &confidence);
        if (fields < 2) break;
        if (table.count == capacity) {
            capacity *= 2;
            table.positions = realloc(table.positions, capacity * sizeof(int32_t));
            table.classes = realloc(table.classes, capacity);
            table.confidences = realloc(table.confidences, capacity);
        }
        table.positions[table.count] = (int32_t)position;
        table.classes[table.count] = (uint8_t)cls;
        table.confidences[table.count] = (uint8_t)(fields == 3 ? confidence : 230);
        table.count++;
    }
    fclose(f);
    return 0;
}

/* Nearest listed beat; ties go to the earlier one. */
static void lookup(int32_t position, monitor_classification_t *result)
{
    size_t lo = 0, hi = table.count;
    int32_t best_distance = ECG_MS_TO_SAMPLES(150) + 1;
    size_t best = 0, i;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (table.positions[mid] < position) lo = mid + 1; else hi = mid;
    }
    for (i = lo > 0 ? lo - 1 : 0; i <= lo && i < table.count; i++) {
        int32_t d = table.positions[i] - position;
        if (d < 0) d = -d;
        if (d < best_distance) {
            best_distance = d;
            best = i;
        }
    }
    if (best_distance <= ECG_MS_TO_SAMPLES(150)) {
        result->beat_class = table.classes[best];
        result->confidence = table.confidences[best];
    } else {
        result->beat_class = MONITOR_CLASS_N;
        result->confidence = 100;
    }
}

static int classify_callback(void *context, const beat_window_entry_t *beat, const int8_t *window,
                             monitor_classification_t *result)
{
    (void)context;
    (void)window;
    lookup(beat->position, result);
    return 0;
}

static uint64_t host_nanoseconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void print_config(void)
{
    printf("K sample_rate_hz %d\n", ECG_SAMPLE_RATE_HZ);
    printf("K mains_hz %d\n", ECG_MAINS_HZ);
    printf("K filter_delay %d\n", ECG_FILTER_DELAY);
    printf("K baseline_len %d\n", ECG_BASELINE_LEN);
    printf("K lowpass_len %d\n", ECG_LOWPASS_LEN);
    printf("K notch_cos_q14 %ld\n", (long)ecg_filters_notch_cos_q14());
    printf("K qrs_smooth_len %d\n", QRS_SMOOTH_LEN);
    printf("K qrs_highpass_len %d\n", QRS_HIGHPASS_LEN);
    printf("K qrs_deriv_step %d\n", QRS_DERIV_STEP);
    printf("K qrs_integration_len %d\n", QRS_INTEGRATION_LEN);
    printf("K qrs_signal_delay %d\n", QRS_SIGNAL_DELAY);
    printf("K qrs_detection_lag %d\n", QRS_DETECTION_LAG);
    printf("K qrs_max_report_lag %d\n", QRS_MAX_REPORT_LAG);
    printf("K filtered_history_len %d\n", MONITOR_FILTERED_HISTORY_LEN);
    printf("K raw_history_len %d\n", MONITOR_RAW_HISTORY_LEN);
    printf("K window_len %d\n", ECG_MODEL_WINDOW_LEN);
    printf("K window_bytes %d\n", ECG_MODEL_WINDOW_BYTES);
    printf("K rr_features %d\n", ECG_MODEL_RR_FEATURES);
    printf("K r_offset %d\n", ECG_MODEL_R_OFFSET);
    printf("K quality_block_len %d\n", QUALITY_BLOCK_LEN);
    printf("K flush_len %d\n", MONITOR_FLUSH_LEN);
    printf("K lead_wait %d\n", MONITOR_LEAD_WAIT);
    printf("K raw_history_len_two_leads %d\n", MONITOR_RAW_HISTORY_LEN_TWO_LEADS);
    printf("K flush_len_two_leads %d\n", MONITOR_FLUSH_LEN_TWO_LEADS);
    printf("K vf_block_len %d\n", VF_BLOCK_LEN);
    printf("K vf_max_half_period %d\n", VF_MAX_HALF_PERIOD);
    printf("K sizeof_monitor %lu\n", (unsigned long)sizeof(monitor_t));
    printf("K sizeof_output %lu\n", (unsigned long)sizeof(monitor_output_t));
}

static FILE *trace_file, *window_file;
static enum { ANSWER_CALLBACK, ANSWER_SOFTMAX, ANSWER_NONE } answer = ANSWER_CALLBACK;

static void handle(uint32_t push_index)
{
    uint8_t i;
    for (i = 0; i < out.events.count; i++) {
        const monitor_event_t *e = &out.events.items[i];
        if (e->type == MONITOR_EVENT_WINDOW) {
            const beat_window_entry_t *beat = monitor_window_beat(&monitor);
            if (window_file) {
                int32_t row[3 + ECG_MODEL_RR_FEATURES + ECG_MODEL_WINDOW_BYTES];
                const int8_t *samples = monitor_window_samples(&monitor);
                int32_t k;
                row[0] = (int32_t)beat->beat_id;
                row[1] = beat->position;
                row[2] = beat->flags;
                for (k = 0; k < ECG_MODEL_RR_FEATURES; k++) row[3 + k] = beat->rr[k];
                for (k = 0; k < ECG_MODEL_WINDOW_BYTES; k++) row[3 + ECG_MODEL_RR_FEATURES + k] = samples[k];
                fwrite(row, sizeof(int32_t), 3 + ECG_MODEL_RR_FEATURES + ECG_MODEL_WINDOW_BYTES, window_file);
            }
            if (answer == ANSWER_SOFTMAX) {
                monitor_classification_t c;
                int8_t scores[MONITOR_CLASS_COUNT];
                int k;
                lookup(beat->position, &c);
                for (k = 0; k < MONITOR_CLASS_COUNT; k++) scores[k] = -128;
                /* scale 1/256, zero point -128: score = confidence - 128 */
                scores[c.beat_class] = (int8_t)((int32_t)c.confidence - 128);
                if (monitor_classify_softmax(&monitor, e->beat_id, scores, -128, &out) != 0) {
                    fprintf(stderr, "classify rejected beat %lu\n", (unsigned long)e->beat_id);
                    exit(2);
                }
            }
        }
        printf("E %lu %u %u %u %u %lu %ld %ld\n", (unsigned long)push_index, e->type, e->code, e->flags,
               e->confidence, (unsigned long)e->beat_id, (long)e->position, (long)e->value);
    }
    if (trace_file) {
        int32_t row[7];
        row[0] = monitor.filters.last_baseline_removed;
        row[1] = monitor.filters.last_notched;
        row[2] = monitor.filtered.count > 0 ? signal_history_at(&monitor.filtered, monitor.filtered.count - 1) : 0;
        row[3] = monitor.qrs.last_bandpass;
        row[4] = monitor.qrs.last_derivative;
        row[5] = monitor.qrs.last_energy;
        row[6] = monitor.qrs.last_integrated;
        fwrite(row, sizeof(int32_t), 7, trace_file);
    }
}

/* The call of the other lead count, which the monitor must refuse. */
static void wrong_call(int32_t primary, int32_t second)
{
    static monitor_output_t wrong;
    wrong.events.count = 1;
    if (monitor.config.leads == 2) {
        monitor_push_sample(&monitor, primary, &wrong);
        if (wrong.events.count != 0) {
            fprintf(stderr, "monitor_push_sample on a two-lead monitor gave events\n");
            exit(3);
        }
    } else if (monitor_push_pair(&monitor, primary, second, &wrong) != -1 || wrong.events.count != 0) {
        fprintf(stderr, "monitor_push_pair on a one-lead monitor was not refused\n");
        exit(3);
    }
}

int main(int argc, char **argv)
{
    monitor_config_t config;
    int32_t sample, pair[2];
    uint32_t push_index = 0, wrong_every = 0;
    int i, more;
    monitor_default_config(&config);
    config.read_instructions = host_nanoseconds;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : "";
        if (!strcmp(a, "--config")) {
            print_config();
            return 0;
        } else if (!strcmp(a, "--trace")) {
            trace_file = fopen(v, "wb");
            i++;
        } else if (!strcmp(a, "--windows")) {
            window_file = fopen(v, "wb");
            i++;
        } else if (!strcmp(a, "--classes")) {
            if (load_classes(v) != 0) {
                fprintf(stderr, "cannot read %s\n", v);
                return 2;
            }
            i++;
        } else if (!strcmp(a, "--answer")) {
            answer = !strcmp(v, "softmax") ? ANSWER_SOFTMAX : !strcmp(v, "none") ? ANSWER_NONE : ANSWER_CALLBACK;
            i++;
        } else if (!strcmp(a, "--brady")) {
            config.limits.brady_bpm = atoi(v);
            i++;
        } else if (!strcmp(a, "--tachy")) {
            config.limits.tachy_bpm = atoi(v);
            i++;
        } else if (!strcmp(a, "--pause")) {
            config.limits.pause_ms = atoi(v);
            i++;
        } else if (!strcmp(a, "--vrun")) {
            config.limits.vrun_beats = atoi(v);
            i++;
        } else if (!strcmp(a, "--af-min")) {
            config.af_min_ms = atoi(v);
            i++;
        } else if (!strcmp(a, "--leads")) {
            config.leads = (uint8_t)atoi(v);
            i++;
        } else if (!strcmp(a, "--wrong-call-every")) {
            wrong_every = (uint32_t)atol(v);
            i++;
        } else {
            fprintf(stderr, "unknown option %s\n", a);
            return 2;
        }
    }
    if (answer == ANSWER_CALLBACK) config.classify = classify_callback;
    monitor_init(&monitor, &config);
    if (config.leads == 2) {
        while (fread(pair, sizeof pair[0], 2, stdin) == 2) {
            if (wrong_every && push_index % wrong_every == 0) wrong_call(pair[0], pair[1]);
            if (monitor_push_pair(&monitor, pair[0], pair[1], &out) != 0) {
                fprintf(stderr, "monitor_push_pair refused on a two-lead monitor\n");
                return 3;
            }
            handle(push_index++);
        }
    } else {
        while (fread(&sample, sizeof sample, 1, stdin) == 1) {
            if (wrong_every && push_index % wrong_every == 0) wrong_call(sample, sample);
            monitor_push_sample(&monitor, sample, &out);
            handle(push_index++);
        }
    }
    do {
        more = monitor_flush(&monitor, &out);
        handle(push_index++);
    } while (more);
    {
        const monitor_counters_t *c = &monitor.counters;
        printf("C samples_in %lu\n", (unsigned long)c->samples_in);
        printf("C samples_processed %lu\n", (unsigned long)c->samples_processed);
        printf("C samples_padding %lu\n", (unsigned long)c->samples_padding);
        printf("C beats %lu\n", (unsigned long)c->beats);
        printf("C searchback_beats %lu\n", (unsigned long)c->searchback_beats);
        printf("C windows_ready %lu\n", (unsigned long)c->windows_ready);
        printf("C windows_missed %lu\n", (unsigned long)c->windows_missed);
        printf("C beats_classified %lu\n", (unsigned long)c->beats_classified);
        printf("C beats_uncertain %lu\n", (unsigned long)c->beats_uncertain);
        printf("C alarms_raised %lu\n", (unsigned long)c->alarms_raised);
        printf("C quality_changes %lu\n", (unsigned long)c->quality_changes);
        printf("C events_dropped %lu\n", (unsigned long)c->events_dropped);
        printf("C second_lead_vetoed %lu\n", (unsigned long)c->second_lead_vetoed);
        printf("C second_lead_added %lu\n", (unsigned long)c->second_lead_added);
        printf("C samples_refused %lu\n", (unsigned long)c->samples_refused);
        fprintf(stderr, "busy_ns %llu\n", (unsigned long long)c->busy_instructions);
    }
    if (trace_file) fclose(trace_file);
    if (window_file) fclose(window_file);
    return 0;
}
