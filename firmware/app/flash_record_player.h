#ifndef ECGCC_FLASH_RECORD_PLAYER_H
#define ECGCC_FLASH_RECORD_PLAYER_H

#define COMMAND_RECORD_EVENTS 0x07 /* device -> host only: events of the record in flash */
#define COMMAND_RECORD_DONE 0x08   /* device -> host only: the record has ended; final counters */

/* Plays the samples that are due; returns 0 when no record is built in or it has ended. */
int flash_record_poll(void);
#endif
