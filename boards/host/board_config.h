#ifndef BOARD_CONFIG_H
#define BOARD_CONFIG_H
#define BOARD_NAME "host"
#endif
