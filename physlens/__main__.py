from physlens.cli import main

main()
