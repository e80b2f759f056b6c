enum DeskAgentPlaceholder {}
