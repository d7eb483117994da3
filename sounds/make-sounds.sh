#!/usr/bin/env bash
# Regenerates the platform's own sounds (8 kHz mono 16-bit WAV, what FreeSWITCH
# plays to phone callers without resampling). Needs espeak-ng and sox.
# The output is committed; run this only to change the sounds.
set -euo pipefail
cd "$(dirname "$0")"
say() { # say FILE "text"
  espeak-ng -v en-us -s 150 -p 45 -w "/tmp/say.$$.wav" "$2"
  sox "/tmp/say.$$.wav" -r 8000 -c 1 -b 16 "$1" highpass 200 lowpass 3400 norm -3 pad 0.05 0.1
  rm -f "/tmp/say.$$.wav"
}
say welcome.wav "Thank you for calling. Please hold, and the next available agent will be with you shortly."
say all-agents-busy.wav "All of our agents are still busy. Please stay on the line."
say goodbye.wav "We are sorry, nobody can take your call right now. Goodbye."
say voicemail-greeting.wav "Please leave a message after the tone."
# Recording notice (numbers' recordingNotice) and a message agents can drop on a customer's voicemail (voicemailDrops)
say recording-notice.wav "This call may be recorded for quality and training."
say voicemail-drop-callback.wav "Hello, this is the customer service team returning your call. Please call us back at your convenience. Thank you."
say invalid-option.wav "Sorry, that is not a valid option."
say no-input.wav "Sorry, we did not receive your selection."
# IVR prompts used by the example flow (config/ivr.yaml)
say main-menu.wav "For sales, press 1. For questions about your account, press 2. To speak with an operator, press 0."
say enter-account.wav "Please enter your account number, then press the pound key."
say invalid-account.wav "That is not a valid account number."
say closed.wav "Our office is closed. Our opening hours are Monday to Friday, nine to five thirty."
say holiday.wav "Our office is closed for the holiday."
# Queue announcements: "You are number <N> in line." "Your estimated wait is about <M> minutes."
say queue-position.wav "You are number"
say queue-in-line.wav "in line."
say queue-wait.wav "Your estimated wait is about"
say queue-minute.wav "minute."
say queue-minutes.wav "minutes."
say queue-under-minute.wav "Your estimated wait is less than a minute."
mkdir -p digits
for n in $(seq 0 30) 40 50 60; do say "digits/$n.wav" "$n"; done
# Hold music: a slow four-chord progression of soft sine pads, 32 seconds, looped by local_stream.
chord() { # chord SECONDS f1 f2 f3
  sox -n -r 8000 -c 1 -b 16 "/tmp/chord.$$.$5.wav" synth "$1" sine "$2" sine "$3" sine "$4" remix - fade q 0.6 "$1" 0.8 vol 0.25
}
chord 8 261.6 329.6 392.0 1   # C
chord 8 220.0 261.6 329.6 2   # Am
chord 8 174.6 220.0 261.6 3   # F
chord 8 196.0 246.9 293.7 4   # G
sox /tmp/chord.$$.{1,2,3,4}.wav music/moh.wav norm -6
rm -f /tmp/chord.$$.*.wav
