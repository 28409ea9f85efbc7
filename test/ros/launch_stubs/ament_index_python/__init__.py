"""Stand-in for ament_index_python."""
