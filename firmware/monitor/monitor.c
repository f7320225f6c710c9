#include "monitor.h"
#include "fixed_point.h"
#include "v_check.h"

void monitor_default_config(monitor_config_t *config)
{
    rhythm_default_limits(&config->limits);
    config->confidence_min = ECG_CONFIDENCE_MIN;
    config->classify = 0;
    config->classify_context = 0;
    config->read_instructions = 0;
    config->af_min_ms = ECG_AF_MIN_MS;
    config->leads = 1;
}

static int two_leads(const monitor_t *m)
{
    return m->config.leads == 2;
}

void monitor_init(monitor_t *m, const monitor_config_t *config)
{
    m->config = *config;
    ecg_filters_init(&m->filters);
    signal_history_init(&m->filtered, m->filtered_storage, MONITOR_FILTERED_HISTORY_LEN);
    signal_history_init(&m->raw, m->raw_storage,
                        config->leads == 2 ? MONITOR_RAW_HISTORY_LEN_TWO_LEADS : MONITOR_RAW_HISTORY_LEN);
    qrs_init(&m->qrs);
    ecg_filters_init(&m->second_filters);
    signal_history_init(&m->second_filtered, m->second_filtered_storage, MONITOR_FILTERED_HISTORY_LEN);
    qrs_init(&m->second_qrs);
    {
        lead_agreement_config_t agreement;
        agreement.near = MONITOR_LEAD_NEAR;
        agreement.wait = MONITOR_LEAD_WAIT;
        agreement.regular_span = ECG_MS_TO_SAMPLES(ECG_LEAD_REGULAR_MS);
        agreement.gap_q8 = ECG_LEAD_GAP_Q8;
        lead_agreement_init(&m->agreement, &agreement);
    }
    quality_init(&m->quality);
    rhythm_init(&m->rhythm, &config->limits);
    vf_init(&m->vf);
    af_init(&m->af, config->af_min_ms);
    beat_window_init(&m->window);
#if ECG_BEAT_CLUSTERS
    beat_clusters_init(&m->clusters);
#endif
    m->counters.samples_in = m->counters.samples_processed = m->counters.samples_padding = 0;
    m->counters.beats = m->counters.searchback_beats = 0;
    m->counters.windows_ready = m->counters.windows_missed = 0;
    m->counters.beats_classified = m->counters.beats_uncertain = 0;
    m->counters.alarms_raised = m->counters.quality_changes = m->counters.events_dropped = 0;
    m->counters.second_lead_vetoed = m->counters.second_lead_added = m->counters.samples_refused = 0;
    m->counters.busy_instructions = 0;
    m->sink = 0;
    m->next_beat_id = 0;
    m->last_sample = 0;
    m->last_second = 0;
    m->awaiting_class = 0;
    m->finished = 0;
}

const int8_t *monitor_window_samples(const monitor_t *m)
{
    return m->window.window;
}

const beat_window_entry_t *monitor_window_beat(const monitor_t *m)
{
    return &m->window.ready;
}

static void close_class(monitor_t *m, uint8_t beat_class, uint8_t confidence, uint8_t flags)
{
    const beat_window_entry_t *beat = &m->window.ready;
    const int8_t *seen;
    uint8_t reported = beat_class;
#if ECG_S_IN_AF_AS_N
    if (beat_class == MONITOR_CLASS_S && m->af.active && af_no_p_wave(&m->af, ECG_S_IN_AF_P_COHERENCE_MAX))
        reported = MONITOR_CLASS_N;
#endif
#if ECG_S_IN_AF_AS_N != 2
    beat_class = reported; /* the AF detector and rhythm alarms read the reported class */
#endif
    flags |= beat->flags & MONITOR_FLAG_POOR_QUALITY;
    if (confidence < m->config.confidence_min) flags |= MONITOR_FLAG_LOW_CONFIDENCE;
    if (flags & (MONITOR_FLAG_POOR_QUALITY | MONITOR_FLAG_LOW_CONFIDENCE | MONITOR_FLAG_NO_WINDOW |
                 MONITOR_FLAG_NOT_CLASSIFIED | MONITOR_FLAG_SUSPENDED))
        flags |= MONITOR_FLAG_UNCERTAIN;
    /* the model's input, where the model saw the beat */
    seen = (flags & (MONITOR_FLAG_NO_WINDOW | MONITOR_FLAG_NOT_CLASSIFIED | MONITOR_FLAG_SUSPENDED)) ? 0 : m->window.window;
#if ECG_V_CHECK
    /* a second look at V calls; the AF detector and rhythm alarms keep the model's class */
    reported = v_check_class(reported, confidence, flags, seen, beat->rr);
#endif
#if ECG_BEAT_CLUSTERS
    /* the adapted class is reported; the AF detector and rhythm alarms keep the model's */
    reported = beat_clusters_on_beat(&m->clusters, seen, beat->rr, reported, (flags & MONITOR_FLAG_UNCERTAIN) == 0,
                                     m->af.active);
#endif
    monitor_events_add(m->sink, MONITOR_EVENT_CLASS, reported, flags, confidence, beat->beat_id,
                       beat->position, 0);
    if (seen) m->counters.beats_classified++;
    if (flags & MONITOR_FLAG_UNCERTAIN) m->counters.beats_uncertain++;
    rhythm_on_class(&m->rhythm, beat->position, beat_class, (flags & MONITOR_FLAG_UNCERTAIN) != 0, m->sink);
    /* AF reads only beats it can trust: readable, and, if the model saw them, classed with confidence
     * (detections in noise are what the model is unsure of). */
    af_on_beat(&m->af, beat->position,
               (flags & (MONITOR_FLAG_POOR_QUALITY | MONITOR_FLAG_SUSPENDED)) != 0 ||
                   (flags & (MONITOR_FLAG_LOW_CONFIDENCE | MONITOR_FLAG_NO_WINDOW | MONITOR_FLAG_NOT_CLASSIFIED)) ==
                       MONITOR_FLAG_LOW_CONFIDENCE,
               af_is_ectopic(beat_class), seen, m->sink);
    m->awaiting_class = 0;
}

static void release_window(monitor_t *m)
{
    beat_window_status_t status = beat_window_poll(&m->window, &m->raw);
    const beat_window_entry_t *beat = &m->window.ready;
    if (status == BEAT_WINDOW_NONE) return;
    if (status == BEAT_WINDOW_MISSED) {
        m->counters.windows_missed++;
        close_class(m, MONITOR_CLASS_Q, 0, MONITOR_FLAG_NO_WINDOW);
        return;
    }
    /* In fibrillation the "beats" are fibrillation waves: no model input. */
    if (m->vf.active) {
        m->counters.windows_missed++;
        close_class(m, MONITOR_CLASS_Q, 0, MONITOR_FLAG_SUSPENDED);
        return;
    }
    m->counters.windows_ready++;
    monitor_events_add(m->sink, MONITOR_EVENT_WINDOW, 0, beat->flags, 0, beat->beat_id, beat->position,
                       ECG_MODEL_WINDOW_BYTES);
    m->awaiting_class = 1;
    if (m->config.classify) {
        monitor_classification_t result;
        if (m->config.classify(m->config.classify_context, beat, m->window.window, &result) == 0)
            close_class(m, result.beat_class < MONITOR_CLASS_COUNT ? result.beat_class : MONITOR_CLASS_Q,
                        result.confidence, 0);
        else
            close_class(m, MONITOR_CLASS_Q, 0, MONITOR_FLAG_NOT_CLASSIFIED);
    }
}

/* 'flags': MONITOR_FLAG_SEARCHBACK or MONITOR_FLAG_SECOND_LEAD, as the beat was found. */
static void report_beat(monitor_t *m, int32_t position, uint8_t flags)
{
    uint32_t id = m->next_beat_id++;
    int32_t rr = m->rhythm.has_beat ? rhythm_samples_to_ms(position - m->rhythm.last_beat) : 0;
    uint8_t quality = quality_worst_between(&m->quality, position - ECG_MODEL_R_OFFSET,
                                            position - ECG_MODEL_R_OFFSET + ECG_MODEL_WINDOW_LEN - 1);
    if (quality != MONITOR_QUALITY_GOOD) flags |= MONITOR_FLAG_POOR_QUALITY;
    m->counters.beats++;
    if (flags & MONITOR_FLAG_SEARCHBACK) m->counters.searchback_beats++;
    monitor_events_add(m->sink, MONITOR_EVENT_BEAT, 0, flags, 0, id, position, rr);
    rhythm_on_beat(&m->rhythm, position, quality != MONITOR_QUALITY_GOOD, m->sink);
    if (beat_window_add(&m->window, id, position, flags) != 0) m->counters.windows_missed++;
}

/* Two leads: both detectors' beats go to the agreement, which decides each
 * MONITOR_LEAD_WAIT samples after its R peak with both detectors' levels at
 * 'index'. A decided beat among the primary beats decided in this call keeps
 * its search-back flag; any other decided beat came from the second lead
 * (the agreement adds one only where no primary beat is near it). */
static void decide_beats(monitor_t *m, int32_t index, int16_t second_filtered, const qrs_beat_t *beats,
                         int count)
{
    qrs_beat_t second[QRS_MAX_BEATS_PER_PUSH];
    int32_t decided[MONITOR_LEAD_DECIDED_MAX];
    lead_agreement_t *la = &m->agreement;
    uint32_t first, k;
    int n, i, primary_noisy, second_quiet;
    signal_history_push(&m->second_filtered, second_filtered);
    n = qrs_push(&m->second_qrs, second_filtered, &m->second_filtered, second);
    for (i = 0; i < count; i++) {
        if ((uint32_t)beats[i].position >= m->counters.samples_in) continue;
        m->primary_searchback[la->primary.count % LEAD_AGREEMENT_BEATS] = beats[i].searchback;
        lead_agreement_primary(la, beats[i].position);
    }
    for (i = 0; i < n; i++) {
        if ((uint32_t)second[i].position < m->counters.samples_in) lead_agreement_second(la, second[i].position);
    }
    primary_noisy = (int64_t)m->qrs.noise_level * ECG_LEAD_NOISY_RATIO > m->qrs.signal_level;
    second_quiet = (int64_t)m->second_qrs.noise_level * ECG_LEAD_QUIET_RATIO <= m->second_qrs.signal_level;
    first = la->primary.decided;
    n = lead_agreement_advance(la, index, primary_noisy, second_quiet, decided, MONITOR_LEAD_DECIDED_MAX);
    for (i = 0; i < n; i++) {
        uint8_t flags = MONITOR_FLAG_SECOND_LEAD;
        for (k = first; k < la->primary.decided; k++) {
            if (la->primary.positions[k % LEAD_AGREEMENT_BEATS] == decided[i]) {
                flags = m->primary_searchback[k % LEAD_AGREEMENT_BEATS] ? MONITOR_FLAG_SEARCHBACK : 0;
                break;
            }
        }
        report_beat(m, decided[i], flags);
    }
    m->counters.second_lead_vetoed = la->dropped;
    m->counters.second_lead_added = la->added;
}

/* One sample (of each lead) through the chain; 'real' is 0 for flush padding. */
static void process(monitor_t *m, int32_t sample, int32_t second, int real)
{
    int16_t filtered = ecg_filters_push(&m->filters, sample);
    int16_t second_filtered = two_leads(m) ? ecg_filters_push(&m->second_filters, second) : 0;
    uint32_t pushed = m->counters.samples_in + m->counters.samples_padding;
    int32_t index, count, i;
    qrs_beat_t beats[QRS_MAX_BEATS_PER_PUSH];

    if (real) signal_history_push(&m->raw, fx_sat16(sample - ECG_ADC_ZERO));
    if (real && quality_push(&m->quality, sample)) {
        monitor_events_add(m->sink, MONITOR_EVENT_QUALITY, m->quality.level, 0, 0, 0,
                           (m->quality.block_index - 1) * QUALITY_BLOCK_LEN, m->quality.last_block_level);
    }
    if (pushed <= ECG_FILTER_DELAY) return;
    /* 'filtered' belongs to input sample 'index'. */
    index = m->filtered.count;
    signal_history_push(&m->filtered, filtered);
    if ((uint32_t)index < m->counters.samples_in) m->counters.samples_processed++;
    count = qrs_push(&m->qrs, filtered, &m->filtered, beats);
    if (two_leads(m)) {
        decide_beats(m, index, second_filtered, beats, count);
    } else {
        for (i = 0; i < count; i++) {
            if ((uint32_t)beats[i].position < m->counters.samples_in)
                report_beat(m, beats[i].position, beats[i].searchback ? MONITOR_FLAG_SEARCHBACK : 0);
        }
    }
    release_window(m);
    if ((uint32_t)index < m->counters.samples_in && vf_push(&m->vf, filtered)) {
        /* Fibrillation is judged only on a window of readable signal. */
        int32_t first = index + 1 - VF_WINDOW_BLOCKS * VF_BLOCK_LEN;
        vf_decide(&m->vf, quality_worst_between(&m->quality, first, index) == MONITOR_QUALITY_GOOD, m->sink);
    }
    if ((uint32_t)index < m->counters.samples_in) {
        /* A gap while the lead was off is a technical problem, not a pause.
         * Two leads: every beat up to 'now' has been decided. */
        int32_t now = index - (two_leads(m) ? MONITOR_LEAD_WAIT : QRS_DETECTION_LAG);
        if (rhythm_pause_due(&m->rhythm, now) &&
            quality_worst_between(&m->quality, now - m->rhythm.pause_samples, now) != MONITOR_QUALITY_LEAD_OFF)
            rhythm_raise_pause(&m->rhythm, now, m->sink);
    }
}

static void count_events(monitor_t *m, const monitor_events_t *events, uint8_t first)
{
    uint8_t i;
    for (i = first; i < events->count; i++) {
        const monitor_event_t *e = &events->items[i];
        if (e->type == MONITOR_EVENT_ALARM && (e->flags & MONITOR_FLAG_ACTIVE)) m->counters.alarms_raised++;
        if (e->type == MONITOR_EVENT_QUALITY) m->counters.quality_changes++;
    }
}

static void begin(monitor_t *m, monitor_output_t *out, uint64_t *start)
{
    *start = m->config.read_instructions ? m->config.read_instructions() : 0;
    out->events.count = 0;
    out->events.dropped = 0;
    out->counters = &m->counters;
    m->sink = &out->events;
    if (m->awaiting_class) close_class(m, MONITOR_CLASS_Q, 0, MONITOR_FLAG_NOT_CLASSIFIED);
}

static void finish(monitor_t *m, uint64_t start, monitor_output_t *out)
{
    count_events(m, &out->events, 0);
    m->counters.events_dropped += out->events.dropped;
    m->sink = 0;
    if (m->config.read_instructions) m->counters.busy_instructions += m->config.read_instructions() - start;
}

/* The answer to a push with the wrong call for the lead count: no events. */
static void refuse(monitor_t *m, monitor_output_t *out)
{
    out->events.count = 0;
    out->events.dropped = 0;
    out->counters = &m->counters;
}

/* One input sample of each lead (second: 0 with one lead). */
static void push(monitor_t *m, int32_t primary, int32_t second, monitor_output_t *out)
{
    uint64_t start;
    begin(m, out, &start);
    m->counters.samples_in++;
    /* Wider than any ECG front end; keeps every later sum inside 32 bits. */
    m->last_sample = fx_clamp(primary, -MONITOR_SAMPLE_LIMIT, MONITOR_SAMPLE_LIMIT);
    m->last_second = fx_clamp(second, -MONITOR_SAMPLE_LIMIT, MONITOR_SAMPLE_LIMIT);
    process(m, m->last_sample, m->last_second, 1);
    finish(m, start, out);
}

void monitor_push_sample(monitor_t *m, int32_t sample, monitor_output_t *out)
{
    if (two_leads(m)) {
        refuse(m, out);
        m->counters.samples_refused++;
        return;
    }
    push(m, sample, 0, out);
}

int monitor_push_pair(monitor_t *m, int32_t primary, int32_t second, monitor_output_t *out)
{
    if (!two_leads(m)) {
        refuse(m, out);
        return -1;
    }
    push(m, primary, second, out);
    return 0;
}

int monitor_flush(monitor_t *m, monitor_output_t *out)
{
    uint64_t start;
    int more;
    begin(m, out, &start);
    if (m->counters.samples_in == 0) {
        more = 0;
    } else if (m->counters.samples_padding < (two_leads(m) ? MONITOR_FLUSH_LEN_TWO_LEADS : MONITOR_FLUSH_LEN)) {
        m->counters.samples_padding++;
        process(m, m->last_sample, m->last_second, 0);
        more = 1;
    } else {
        if (!m->finished) {
            beat_window_finish(&m->window);
            m->finished = 1;
        }
        release_window(m);
        more = m->window.count > 0;
    }
    finish(m, start, out);
    return more;
}

int monitor_classify(monitor_t *m, uint32_t beat_id, uint8_t beat_class, uint8_t confidence,
                     monitor_output_t *out)
{
    uint8_t first = out->events.count, dropped = out->events.dropped;
    if (!m->awaiting_class || m->window.ready.beat_id != beat_id) return -1;
    m->sink = &out->events;
    close_class(m, beat_class < MONITOR_CLASS_COUNT ? beat_class : MONITOR_CLASS_Q, confidence, 0);
    m->sink = 0;
    count_events(m, &out->events, first);
    m->counters.events_dropped += (uint8_t)(out->events.dropped - dropped);
    return 0;
}

int monitor_classify_softmax(monitor_t *m, uint32_t beat_id, const int8_t *scores, int32_t zero_point,
                             monitor_output_t *out)
{
    int32_t best = 0, i, confidence;
    for (i = 1; i < MONITOR_CLASS_COUNT; i++)
        if (scores[i] > scores[best]) best = i;
    confidence = scores[best] - zero_point;
    if (confidence < 0) confidence = 0;
    if (confidence > 255) confidence = 255;
    return monitor_classify(m, beat_id, (uint8_t)best, (uint8_t)confidence, out);
}
