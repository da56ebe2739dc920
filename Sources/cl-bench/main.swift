print("cl-bench")
