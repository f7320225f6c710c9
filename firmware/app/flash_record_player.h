#ifndef ECGCC_FLASH_RECORD_PLAYER_H
#define ECGCC_FLASH_RECORD_PLAYER_H

/* Events of the record go out as COMMAND_MONITOR_EVENTS (stream_command.h). */
#define COMMAND_RECORD_DONE 0x08 /* device -> host only: the record has ended; final counters */

/* Plays the samples that are due; returns 0 when no record is built in or it has ended. */
int flash_record_poll(void);
#endif
