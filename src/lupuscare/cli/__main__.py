from lupuscare.cli import main

main()
