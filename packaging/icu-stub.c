/* An ICU data library with no data: replaces Qt's 31 MB libicudata.so.NN in the bundle.
 *
 * Qt links ICU, but what the app does never reads ICU's data: Qt's own tables serve
 * QLocale, case mapping and text boundaries; sorting happens in SQLite; text encodings are
 * Python's. ICU supports running without its data (its own "stubdata" build, used when the
 * data ships as a separate archive): a lookup then fails with U_MISSING_RESOURCE_ERROR
 * instead of crashing, and Qt falls back or reports it. What ICU needs from this library is
 * the one symbol icudt73_dat: a common-data header ("CmnD", format 1) with an empty table
 * of contents.
 *
 * Built by packaging/build.sh with the ICU major version of the Qt it bundles, read from that
 * Qt's own libicudata.so.NN: cc -shared -fPIC -DICU_MAJOR=NN -Wl,-soname,libicudata.so.NN ...
 * (a Qt linked to another ICU then gets a stub of its own version, never a mismatched one).
 */
#include <stdint.h>

#ifndef ICU_MAJOR
#error "build with -DICU_MAJOR=NN, the ICU major version of the bundled Qt (packaging/build.sh)"
#endif
/* ICU names its data symbol after its major version: icudt73_dat for ICU 73. */
#define ICU_DATA_NAME_(major) icudt##major##_dat
#define ICU_DATA_NAME(major) ICU_DATA_NAME_(major)

struct empty_icu_data {
    uint16_t header_size;      /* bytes before the table of contents */
    uint8_t magic1, magic2;    /* 0xda 0x27 */
    /* UDataInfo */
    uint16_t info_size;        /* 20 */
    uint16_t reserved_word;
    uint8_t is_big_endian, charset_family, sizeof_uchar, reserved_byte;
    uint8_t data_format[4];    /* "CmnD": common data, offset table of contents */
    uint8_t format_version[4];
    uint8_t data_version[4];
    uint8_t padding[8];        /* header_size is 32 */
    uint32_t count;            /* entries in the table of contents: none */
    uint32_t reserved[3];
};

__attribute__((visibility("default"), aligned(16)))
const struct empty_icu_data ICU_DATA_NAME(ICU_MAJOR) = {
    32, 0xda, 0x27,
    20, 0,
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
    1,
#else
    0,
#endif
    0 /* ASCII family */, 2 /* UChar is UTF-16 */, 0,
    {'C', 'm', 'n', 'D'}, {1, 0, 0, 0}, {ICU_MAJOR, 0, 0, 0},
    {0}, 0, {0, 0, 0},
};
