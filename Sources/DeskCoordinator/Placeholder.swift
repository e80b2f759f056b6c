enum DeskCoordinatorPlaceholder {}
