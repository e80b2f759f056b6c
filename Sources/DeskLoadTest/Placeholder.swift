enum DeskLoadTestPlaceholder {}
