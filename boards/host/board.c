/* Host build: the same firmware as a process, its "UART" a TCP connection on 127.0.0.1.
 * The port comes from ECGCC_HOST_PORT (default 5555); after a disconnect it waits for the next client,
 * like a board that stays powered while the cable is replugged. */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "board.h"
#include "board_config.h"

static int listen_fd = -1;
static int client_fd = -1;
static struct timespec started;

static void fail(const char *what) {
    perror(what);
    exit(2);
}

static void accept_client(void) {
    client_fd = accept(listen_fd, NULL, NULL);
    if (client_fd < 0) fail("accept");
}

void board_init(void) {
    const char *port_text = getenv("ECGCC_HOST_PORT");
    int port = port_text ? atoi(port_text) : 5555;
    signal(SIGPIPE, SIG_IGN);
    clock_gettime(CLOCK_MONOTONIC, &started);
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (listen_fd < 0) fail("socket");
    int yes = 1;
    setsockopt(listen_fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    struct sockaddr_in address;
    memset(&address, 0, sizeof address);
    address.sin_family = AF_INET;
    address.sin_port = htons((uint16_t)port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(listen_fd, (struct sockaddr *)&address, sizeof address) < 0) fail("bind");
    if (listen(listen_fd, 1) < 0) fail("listen");
    fprintf(stderr, "host board listening on 127.0.0.1:%d\n", port);
    accept_client();
}

int board_uart_getc(void) {
    struct pollfd pending = {client_fd, POLLIN, 0};
    if (poll(&pending, 1, 0) <= 0) return -1;
    unsigned char byte;
    ssize_t got = read(client_fd, &byte, 1);
    if (got == 1) return byte;
    close(client_fd);
    accept_client();
    return -1;
}

void board_uart_write(const uint8_t *data, size_t len) {
    while (len > 0) {
        ssize_t sent = write(client_fd, data, len);
        if (sent <= 0) return; /* the reader went away; the next read notices and reconnects */
        data += sent;
        len -= (size_t)sent;
    }
}

uint64_t board_instructions(void) {
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (uint64_t)(now.tv_sec - started.tv_sec) * 1000000000ull + (uint64_t)now.tv_nsec - (uint64_t)started.tv_nsec;
}

uint32_t board_counter_resolution(void) { return 1; }

uint32_t board_millis(void) { return (uint32_t)(board_instructions() / 1000000ull); }

void board_wait_for_event(void) {
    struct pollfd pending = {client_fd, POLLIN, 0};
    poll(&pending, 1, 10);
}

uint32_t board_stack_high_water(void) { return 0; }
uint32_t board_stack_size(void) { return 0; }

const char *board_name(void) { return BOARD_NAME; }
