"""Onboarding (`underlay import`): a repository built or extended from live devices.

The reverse of apply: getters, running configurations and managed files read from devices
become inventory YAML that renders back to what the devices run (docs/import.md). The package
is named `onboard` because `import` is a Python keyword; the command is `underlay import`.
"""
