public enum SandpitPluginKitPlaceholder {}
