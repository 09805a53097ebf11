/* Internal to the configuration parser: the key table shared by config.c
 * (lines, sections, final checks) and config_keys.c (values). */
#ifndef GS_APPS_CONFIG_INTERNAL_H
#define GS_APPS_CONFIG_INTERNAL_H

#include "config.h"

typedef enum cfg_sect {
  SECT_NONE = 0,
  SECT_NODE,
  SECT_SECURITY,
  SECT_IDENTITY,
  SECT_TRANSPORT,
  SECT_APPLICATION,
  SECT_LOG,
  SECT_ROLES,
  SECT_HTTP,    /* [http]: cc --http */
  SECT_SESSION, /* [session]: the engine's timers */
  SECT_STANDBY, /* [standby]: cc hot standby (docs/STANDBY.md) */
  SECT_DER,     /* [der NAME] */
  SECT_COUNT_
} cfg_sect;

typedef struct cfg_parser {
  gs_config *cfg;
  const char *file;
  const char *base_dir;
  unsigned line;
  gs_cfg_error *err;
  cfg_sect sect;
  gs_cfg_peer *peer;   /* current [der NAME] */
  bool encryption_set; /* security.encryption_policy given */
  bool replay_set;     /* security.replay given */
  unsigned mode_line;  /* line of security.mode (0 = default) */
  unsigned any_line;   /* line of security.allow_any_peer (0 = not given) */
  bool sect_seen[SECT_COUNT_];
  unsigned char key_seen[96]; /* per key index, reset per [der NAME] */
} cfg_parser;

/* Record an error at the current line; returns GS_ERR_CONFIG. */
int cfg_fail(cfg_parser *p, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

/* Apply `key = value` in the current section (after duplicate checks). */
int cfg_set_key(cfg_parser *p, const char *key, const char *value);

const char *cfg_sect_name(cfg_sect s);

/* A value's name in the configuration; tables end with {NULL, 0}. */
typedef struct gs_cfg_name {
  const char *name;
  int value;
} gs_cfg_name;

/* config_keys.c: the names of [security] values, in the engine's enums. */
extern const gs_cfg_name gs_cfg_mode_names[];
extern const gs_cfg_name gs_cfg_replay_names[];
extern const gs_cfg_name gs_cfg_on_reload_names[];
extern const gs_cfg_name gs_cfg_encryption_names[];
extern const gs_cfg_name gs_cfg_aead_names[];
extern const gs_cfg_name gs_cfg_cipher_names[];
extern const gs_cfg_name gs_cfg_hash_names[];
/* The name of `value` in `t`, or "unknown". */
const char *gs_cfg_name_of(const gs_cfg_name *t, int value);

/* Apply one line of [roles]: `ROLE = ops` (the key as written). */
int cfg_set_role_ops(cfg_parser *p, const char *role, const char *value);

/* Forget which [der NAME] keys were seen (a new peer section starts). */
void cfg_reset_peer_keys(cfg_parser *p);

#endif
