/* usage.h: the CLI's help texts, one per command (usage.c). Private to src/cli. */
#ifndef RCR_CLI_USAGE_H
#define RCR_CLI_USAGE_H

extern const char rcr_usage_main[];
extern const char rcr_usage_dump[];
extern const char rcr_usage_restore[];
extern const char rcr_usage_verify[];
extern const char rcr_usage_convert[];
extern const char rcr_usage_list[];

#endif
