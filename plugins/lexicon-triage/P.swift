public enum LexiconPlaceholder {}
