// quai sensor-node v1: one analog distance sensor, one light sensor and one button, sent to quai
// as text lines (the `lines` protocol of a serial input, src/input/serial/lines.rs).
//
// Boards: Arduino Uno, Nano, Leonardo, Micro, Mega; ESP32 (see the pin defaults below). No
// libraries needed. Wiring, board settings and the matching scene: hardware/arduino/README.md.
//
// What it sends, at BAUD (115200), one line per sample, SAMPLE_HZ (50) lines a second:
//
//   # quai sensor-node v1                    (once, when the board starts or the host opens the port)
//   # fields: dist light button, 50 Hz
//   dist 412 light 80 button 0
//   dist 415 light 81 button 1
//
// - `dist`   raw ADC counts 0..1023 of the distance sensor; a Sharp GP2Y0A21 reads HIGHER when
//            something is NEARER (on a 5 V board about 80 at 80 cm, 265 at 20 cm, 470 at 10 cm).
// - `light`  raw ADC counts 0..1023 of the LDR divider; higher = brighter (LDR on the 5 V side).
// - `button` 1 while pressed, 0 when released (debounced).
//
// Both analog values are a moving average of the last SMOOTH_SAMPLES readings. ESP32 boards are
// switched to 10-bit readings so the numbers (and a scene's `in` ranges) are the same everywhere.
// quai skips lines starting with `#`, and the first line after it opens the port mid-stream (it
// may be cut; a line sent after 100 ms of quiet is kept).
//
// In the scene:  from = "lab:dist", "lab:light", "lab:button"  (with [[inputs]] name = "lab").

// ---- Settings --------------------------------------------------------------------------------
// Each can also be given on the compiler's command line (-DSAMPLE_HZ=100) instead of edited here.

#ifndef BAUD
#define BAUD 115200          // must match `baud` in the scene's [[inputs]] (quai's default is 115200)
#endif

#ifndef SAMPLE_HZ
#define SAMPLE_HZ 50         // lines per second, 1..1000; a line is ~30 bytes and 115200 baud carries
                             // ~380 of them a second, so above ~300 the port sets the pace
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

// Value names, as the scene's mappings name them ("lab:dist"). quai's mappings accept names made
// of letters, digits and _, starting with a letter; no spaces, dots or dashes.
#ifndef DIST_NAME
#define DIST_NAME "dist"
#endif
#ifndef LIGHT_NAME
#define LIGHT_NAME "light"
#endif
#ifndef BUTTON_NAME
#define BUTTON_NAME "button"
#endif

// ---- Sketch --------------------------------------------------------------------------------

#if SAMPLE_HZ < 1 || SAMPLE_HZ > 1000
#error "SAMPLE_HZ must be 1..1000"
#endif
#if SMOOTH_SAMPLES < 1 || SMOOTH_SAMPLES > 32
#error "SMOOTH_SAMPLES must be 1..32"
#endif

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

static void printBanner() {
  Serial.println("# quai sensor-node v1");
  Serial.print("# fields: " DIST_NAME " " LIGHT_NAME " " BUTTON_NAME ", ");
  Serial.print(SAMPLE_HZ);
  Serial.println(" Hz");
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
  // open; print the banner each time one opens it (on an Uno it is open from the start). Asked
  // only twice a second: on a Leonardo, asking takes 10 ms.
  if ((uint32_t)(nowMs - hostCheckedAtMs) >= 500) {
    hostCheckedAtMs = nowMs;
    bool hostOpen = (bool)Serial;
    if (hostOpen && !hostWasOpen) {
      printBanner();
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

  // `name value` pairs separated by spaces, the whole sample on one line: quai reads every pair.
  Serial.print(DIST_NAME " ");
  Serial.print((unsigned int)dist);
  Serial.print(" " LIGHT_NAME " ");
  Serial.print((unsigned int)light);
  Serial.print(" " BUTTON_NAME " ");
  Serial.println(pressed ? 1 : 0);  // println ends the line with \r\n; quai accepts \n, \r\n or \r
}
