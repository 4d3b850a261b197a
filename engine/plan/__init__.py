"""The plan stage: intended vs live, per device, saved as a file that apply takes."""
