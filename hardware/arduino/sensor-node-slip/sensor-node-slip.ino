// quai sensor-node-slip v1: the same sensors as sensor-node (analog distance, light, button), sent
// to quai as OSC messages in SLIP frames: a serial input with protocol = "slip-osc".
//
// Boards: Arduino Uno, Nano, Leonardo, Micro, Mega; ESP32 (see the pin defaults below). No
// libraries needed: the OSC messages and the SLIP framing are written by hand below. Wiring,
// board settings and the matching scene: hardware/arduino/README.md.
//
// What it sends, at BAUD (115200), SAMPLE_HZ (50) times a second, three OSC messages:
//
//   /dist   ,f  <float>   raw ADC counts 0..1023, moving average (higher = NEARER for a Sharp
//                         GP2Y0A21: on a 5 V board about 80 at 80 cm, 470 at 10 cm)
//   /light  ,f  <float>   raw ADC counts 0..1023, moving average (higher = brighter)
//   /button ,i  <int32>   1 while pressed, 0 when released (debounced)
//
// and, when the board starts or a host opens the port, `/quai/hello ,s "sensor-node-slip v1"`
// (no scene maps it; it shows up in `quai run --record` logs, telling you which sketch is on the board).
//
// Bytes on the wire, for one message (OSC 1.0; every field padded with zeros to a multiple of 4):
//
//   '/' 'd' 'i' 's' 't' 0 0 0       address, NUL-terminated, padded to 8
//   ',' 'f' 0 0                     type tags, NUL-terminated, padded to 4
//   0x43 0xCE 0x00 0x00             412.0 as an IEEE 754 float, big-endian
//
// and each message is one SLIP frame (RFC 1055): 0xC0 (END), the bytes with 0xC0 sent as
// 0xDB 0xDC and 0xDB as 0xDB 0xDD, then 0xC0 again. CNMAT's OSC library for Arduino
// (OSCMessage + SLIPEncodedSerial: beginPacket() / msg.send() / endPacket()) produces exactly the
// same bytes for the same messages (use msg.add((float)v) and msg.add((int32_t)b) there), so
// either side can be swapped for it.
//
// In the scene:  from = "lab:/dist", "lab:/light", "lab:/button"  (with [[inputs]] name = "lab").

// ---- Settings --------------------------------------------------------------------------------
// Each can also be given on the compiler's command line (-DSAMPLE_HZ=100) instead of edited here.

#ifndef BAUD
#define BAUD 115200          // must match `baud` in the scene's [[inputs]] (quai's default is 115200)
#endif

#ifndef SAMPLE_HZ
#define SAMPLE_HZ 50         // samples per second, 1..1000; a sample is ~60 bytes on the wire and
                             // 115200 baud carries ~190 of them a second: above that the port sets the pace
#endif

#ifndef SMOOTH_SAMPLES
#define SMOOTH_SAMPLES 4     // moving-average length for dist and light, 1 (off) .. 32; 4 at 50 Hz = 80 ms
#endif

#ifndef DEBOUNCE_MS
#define DEBOUNCE_MS 20       // a button change counts once it has been steady this long
#endif

// Pins. Defaults: A0 / A1 / D2 on AVR boards (Uno, Nano, Leonardo, Mega). The classic ESP32 has
// no A1, and GPIO 2 is a boot pin with an LED on many dev boards: use GPIO 34 / 35 (ADC1, usable
// with Wi-Fi on; input-only, no pull-ups, fine for analog) and GPIO 27 for the button.
#if defined(ARDUINO_ARCH_ESP32)
#ifndef DIST_PIN
#define DIST_PIN 34
#endif
#ifndef LIGHT_PIN
#define LIGHT_PIN 35
#endif
#ifndef BUTTON_PIN
#define BUTTON_PIN 27
#endif
#else
#ifndef DIST_PIN
#define DIST_PIN A0          // Sharp GP2Y0A21 output (or a potentiometer's wiper)
#endif
#ifndef LIGHT_PIN
#define LIGHT_PIN A1         // LDR + 10k divider midpoint
#endif
#ifndef BUTTON_PIN
#define BUTTON_PIN 2         // button to GND; the internal pull-up holds it HIGH when released
#endif
#endif

// OSC addresses, as the scene's mappings name them ("lab:/dist"). Start with `/`; no spaces or
// `#*,?[]{}` (OSC pattern characters).
#ifndef DIST_ADDR
#define DIST_ADDR "/dist"
#endif
#ifndef LIGHT_ADDR
#define LIGHT_ADDR "/light"
#endif
#ifndef BUTTON_ADDR
#define BUTTON_ADDR "/button"
#endif
#define HELLO_ADDR "/quai/hello"
#define HELLO_TEXT "sensor-node-slip v1"

// ---- Sketch --------------------------------------------------------------------------------

#include <string.h>

#if SAMPLE_HZ < 1 || SAMPLE_HZ > 1000
#error "SAMPLE_HZ must be 1..1000"
#endif
#if SMOOTH_SAMPLES < 1 || SMOOTH_SAMPLES > 32
#error "SMOOTH_SAMPLES must be 1..32"
#endif

// Largest OSC message built here, and its worst-case SLIP frame (every byte escaped, two ENDs).
#define OSC_MAX 64
#define SLIP_MAX (2 * OSC_MAX + 2)
// Address + type tags + argument must fit OSC_MAX (each string: its text, a NUL, up to 3 pads).
static_assert(sizeof(DIST_ADDR) + 3 + 4 + 4 <= OSC_MAX, "DIST_ADDR is too long");
static_assert(sizeof(LIGHT_ADDR) + 3 + 4 + 4 <= OSC_MAX, "LIGHT_ADDR is too long");
static_assert(sizeof(BUTTON_ADDR) + 3 + 4 + 4 <= OSC_MAX, "BUTTON_ADDR is too long");
static_assert(sizeof(HELLO_ADDR) + 3 + 4 + sizeof(HELLO_TEXT) + 3 <= OSC_MAX, "hello is too long");
static_assert(sizeof(float) == 4, "OSC floats are 32-bit IEEE 754");

// SLIP (RFC 1055) special bytes.
static const uint8_t SLIP_END = 0xC0;
static const uint8_t SLIP_ESC = 0xDB;
static const uint8_t SLIP_ESC_END = 0xDC;
static const uint8_t SLIP_ESC_ESC = 0xDD;

static const uint32_t SAMPLE_PERIOD_US = 1000000UL / SAMPLE_HZ;

// A moving average over the last SMOOTH_SAMPLES readings. Starts full of the first reading, so
// the first values are not pulled towards 0.
struct Smoother {
  uint16_t ring[SMOOTH_SAMPLES];
  uint32_t sum;
  uint8_t next;
  bool primed;
};

// A button read every loop pass; `stable` follows `raw` once it has not changed for DEBOUNCE_MS.
struct Debouncer {
  bool raw;
  bool stable;
  uint32_t changedAtMs;
};

static Smoother distSmooth;
static Smoother lightSmooth;
static Debouncer button;
static uint32_t nextSampleUs;
static bool hostWasOpen = false;
static uint32_t hostCheckedAtMs;
static uint8_t oscBuf[OSC_MAX];
static uint8_t slipBuf[SLIP_MAX];

// ---- OSC encoding ----

// Appends `s` with its terminating NUL, then zeros up to the next multiple of 4; returns the new length.
static size_t oscPutString(uint8_t *buf, size_t len, const char *s) {
  do {
    buf[len++] = (uint8_t)*s;
  } while (*s++ != '\0');
  while (len % 4 != 0) {
    buf[len++] = 0;
  }
  return len;
}

// Appends a 32-bit value, big-endian (most significant byte first).
static size_t oscPutU32(uint8_t *buf, size_t len, uint32_t v) {
  buf[len++] = (uint8_t)(v >> 24);
  buf[len++] = (uint8_t)(v >> 16);
  buf[len++] = (uint8_t)(v >> 8);
  buf[len++] = (uint8_t)v;
  return len;
}

// `address ,f value`; returns the message length (always a multiple of 4).
static size_t oscFloatMessage(uint8_t *buf, const char *address, float value) {
  uint32_t bits;
  memcpy(&bits, &value, sizeof bits);  // the float's IEEE 754 bit pattern
  size_t len = oscPutString(buf, 0, address);
  len = oscPutString(buf, len, ",f");
  return oscPutU32(buf, len, bits);
}

// `address ,i value`; returns the message length.
static size_t oscIntMessage(uint8_t *buf, const char *address, int32_t value) {
  size_t len = oscPutString(buf, 0, address);
  len = oscPutString(buf, len, ",i");
  return oscPutU32(buf, len, (uint32_t)value);  // two's complement, as OSC int32 is
}

// `address ,s text`; returns the message length.
static size_t oscStringMessage(uint8_t *buf, const char *address, const char *text) {
  size_t len = oscPutString(buf, 0, address);
  len = oscPutString(buf, len, ",s");
  return oscPutString(buf, len, text);
}

// ---- SLIP framing ----

// Frames `len` bytes of `packet` into `out` (room for 2 * len + 2): END, escaped bytes, END. The
// leading END ends whatever line noise came before; quai ignores the empty frames it makes.
static size_t slipEncode(uint8_t *out, const uint8_t *packet, size_t len) {
  size_t n = 0;
  out[n++] = SLIP_END;
  for (size_t i = 0; i < len; i++) {
    if (packet[i] == SLIP_END) {
      out[n++] = SLIP_ESC;
      out[n++] = SLIP_ESC_END;
    } else if (packet[i] == SLIP_ESC) {
      out[n++] = SLIP_ESC;
      out[n++] = SLIP_ESC_ESC;
    } else {
      out[n++] = packet[i];
    }
  }
  out[n++] = SLIP_END;
  return n;
}

// Sends the `len`-byte OSC message in oscBuf as one SLIP frame, with one write (USB serial on a
// Leonardo or ESP32-S3 is much faster with one write per frame than with one per byte).
static void slipSend(size_t len) {
  size_t n = slipEncode(slipBuf, oscBuf, len);
  Serial.write(slipBuf, n);
}

// ---- Sensors ----

static uint16_t smooth(Smoother &s, uint16_t x) {
  if (!s.primed) {
    for (uint8_t i = 0; i < SMOOTH_SAMPLES; i++) {
      s.ring[i] = x;
    }
    s.sum = (uint32_t)x * SMOOTH_SAMPLES;
    s.next = 0;
    s.primed = true;
  }
  s.sum -= s.ring[s.next];
  s.ring[s.next] = x;
  s.sum += x;
  s.next = (uint8_t)((s.next + 1) % SMOOTH_SAMPLES);
  return (uint16_t)((s.sum + SMOOTH_SAMPLES / 2) / SMOOTH_SAMPLES);  // rounded
}

static bool buttonPressedNow() {
  return digitalRead(BUTTON_PIN) == LOW;  // INPUT_PULLUP: pressed pulls the pin to GND
}

static bool debounce(Debouncer &d, bool reading, uint32_t nowMs) {
  if (reading != d.raw) {
    d.raw = reading;
    d.changedAtMs = nowMs;
  } else if (reading != d.stable && (uint32_t)(nowMs - d.changedAtMs) >= DEBOUNCE_MS) {
    d.stable = reading;
  }
  return d.stable;
}

// The ADC has one sample-and-hold shared by all pins: after switching pins, the first reading of
// a high-impedance source (the LDR divider) can still carry some of the previous pin. Read twice.
static uint16_t readAnalog(uint8_t pin) {
  (void)analogRead(pin);
  return (uint16_t)analogRead(pin);
}

void setup() {
  Serial.begin(BAUD);
#if defined(ARDUINO_ARCH_ESP32)
  analogReadResolution(10);  // 0..1023, like the AVR boards
#endif
  pinMode(DIST_PIN, INPUT);
  pinMode(LIGHT_PIN, INPUT);
  pinMode(BUTTON_PIN, INPUT_PULLUP);
  bool pressed = buttonPressedNow();
  button.raw = pressed;
  button.stable = pressed;
  button.changedAtMs = (uint32_t)millis();
  hostCheckedAtMs = (uint32_t)millis() - 500;  // ask on the first pass
  nextSampleUs = (uint32_t)micros();
}

void loop() {
  // The button is read on every pass, so debouncing does not wait for the sample clock.
  uint32_t nowMs = (uint32_t)millis();
  bool pressed = debounce(button, buttonPressedNow(), nowMs);

  // Boards with native USB (Leonardo, Micro, ESP32-S2/S3) report whether a host has the port
  // open; say hello each time one opens it (on an Uno it is open from the start). Asked only
  // twice a second: on a Leonardo, asking takes 10 ms.
  if ((uint32_t)(nowMs - hostCheckedAtMs) >= 500) {
    hostCheckedAtMs = nowMs;
    bool hostOpen = (bool)Serial;
    if (hostOpen && !hostWasOpen) {
      slipSend(oscStringMessage(oscBuf, HELLO_ADDR, HELLO_TEXT));
    }
    hostWasOpen = hostOpen;
  }

  uint32_t nowUs = (uint32_t)micros();
  if ((int32_t)(nowUs - nextSampleUs) < 0) {
    return;  // not time yet
  }
  nextSampleUs += SAMPLE_PERIOD_US;
  if ((int32_t)(nowUs - nextSampleUs) >= (int32_t)SAMPLE_PERIOD_US) {
    nextSampleUs = nowUs + SAMPLE_PERIOD_US;  // fell behind (slow host, blocked port): no burst
  }

  uint16_t dist = smooth(distSmooth, readAnalog(DIST_PIN));
  uint16_t light = smooth(lightSmooth, readAnalog(LIGHT_PIN));

  slipSend(oscFloatMessage(oscBuf, DIST_ADDR, (float)dist));
  slipSend(oscFloatMessage(oscBuf, LIGHT_ADDR, (float)light));
  slipSend(oscIntMessage(oscBuf, BUTTON_ADDR, pressed ? 1 : 0));
}
