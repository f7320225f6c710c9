/* Events the monitor reports, shared by the modules that raise them. */
#ifndef ECG_MONITOR_EVENTS_H
#define ECG_MONITOR_EVENTS_H

#include <stdint.h>

typedef enum {
    MONITOR_EVENT_BEAT = 1,    /* R peak detected */
    MONITOR_EVENT_WINDOW = 2,  /* model input window ready for classification */
    MONITOR_EVENT_CLASS = 3,   /* beat classified (or closed without a class) */
    MONITOR_EVENT_ALARM = 4,   /* alarm raised or cleared */
    MONITOR_EVENT_QUALITY = 5  /* signal quality level changed */
} monitor_event_type_t;

/* AAMI beat classes, in the order of the model's outputs. */
typedef enum {
    MONITOR_CLASS_N = 0,
    MONITOR_CLASS_S = 1,
    MONITOR_CLASS_V = 2,
    MONITOR_CLASS_F = 3,
    MONITOR_CLASS_Q = 4,
    MONITOR_CLASS_COUNT = 5
} monitor_class_t;

typedef enum {
    MONITOR_ALARM_VRUN = 1,  /* value: run length in beats */
    MONITOR_ALARM_BRADY = 2, /* value: heart rate, bpm */
    MONITOR_ALARM_TACHY = 3, /* value: heart rate, bpm */
    MONITOR_ALARM_PAUSE = 4, /* value: time without a beat, ms */
    /* Episodes: raised with position = estimated onset and value = duration
     * so far (ms); cleared with position = estimated end and value = the
     * episode's duration (ms). */
    MONITOR_ALARM_AF = 5, /* atrial fibrillation */
    MONITOR_ALARM_VF = 6  /* ventricular fibrillation / flutter */
} monitor_alarm_t;

typedef enum {
    MONITOR_QUALITY_GOOD = 0,
    MONITOR_QUALITY_NOISY = 1,
    MONITOR_QUALITY_SATURATED = 2,
    MONITOR_QUALITY_LEAD_OFF = 3 /* flat line */
} monitor_quality_t;

/* Event flags. */
#define MONITOR_FLAG_SEARCHBACK 0x01u     /* BEAT: found by search-back */
#define MONITOR_FLAG_POOR_QUALITY 0x02u   /* BEAT, WINDOW, CLASS: quality poor around the beat */
#define MONITOR_FLAG_UNCERTAIN 0x04u      /* CLASS: low confidence, poor quality or no class */
#define MONITOR_FLAG_LOW_CONFIDENCE 0x08u /* CLASS: confidence below the configured minimum */
#define MONITOR_FLAG_NO_WINDOW 0x10u      /* CLASS: window no longer available, not classified */
#define MONITOR_FLAG_NOT_CLASSIFIED 0x20u /* CLASS: window was not classified before the next sample */
#define MONITOR_FLAG_SUSPENDED 0x40u     /* CLASS: beat during ventricular fibrillation, not classified */
#define MONITOR_FLAG_SECOND_LEAD 0x80u   /* BEAT: found on the second lead only (two-lead monitor) */
#define MONITOR_FLAG_ACTIVE 0x01u         /* ALARM: raised (set) or cleared (clear) */

typedef struct {
    uint8_t type;       /* monitor_event_type_t */
    uint8_t code;       /* class, alarm or quality level, by type */
    uint8_t flags;      /* MONITOR_FLAG_* */
    uint8_t confidence; /* CLASS: 0..255 */
    uint32_t beat_id;   /* BEAT, WINDOW, CLASS: beats are numbered from 0 */
    int32_t position;   /* input sample index: the R peak, alarm start, or block start */
    int32_t value;      /* BEAT: RR in ms (0 for the first); WINDOW: window length;
                           ALARM: see monitor_alarm_t; QUALITY: previous level */
} monitor_event_t;

/* Enough for the burst at the end of detector learning. */
#define MONITOR_MAX_EVENTS 40

typedef struct {
    uint8_t count;
    uint8_t dropped;
    monitor_event_t items[MONITOR_MAX_EVENTS];
} monitor_events_t;

static inline void monitor_events_add(monitor_events_t *events, uint8_t type, uint8_t code, uint8_t flags,
                                      uint8_t confidence, uint32_t beat_id, int32_t position, int32_t value)
{
    monitor_event_t *e;
    if (events->count >= MONITOR_MAX_EVENTS) {
        events->dropped++;
        return;
    }
    e = &events->items[events->count++];
    e->type = type;
    e->code = code;
    e->flags = flags;
    e->confidence = confidence;
    e->beat_id = beat_id;
    e->position = position;
    e->value = value;
}

#endif
